// Preloaded with --import: makes @opentelemetry/api look uninstalled to both `import` and
// `require`, as for a user without the optional peer dependency.
import Module, { register } from "node:module";

const hidden = (specifier) =>
  specifier === "@opentelemetry/api" || specifier.startsWith("@opentelemetry/api/");

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (hidden(request)) {
    const error = new Error(`Cannot find module '${request}'`);
    error.code = "MODULE_NOT_FOUND";
    throw error;
  }
  return resolveFilename.call(this, request, ...rest);
};

register(
  "data:text/javascript," +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
  if (specifier === "@opentelemetry/api" || specifier.startsWith("@opentelemetry/api/")) {
    const error = new Error("Cannot find package '" + specifier + "'");
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}`),
);
