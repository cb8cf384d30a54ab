// The offline model of the fleet example and its test: a job's prompt "Write NAME" makes the model
// ask to run `echo NAME > NAME.txt` outside the sandbox, then say whether it was allowed; "Say NAME"
// only answers.
import { model, type ModelResponder } from "codex-app-server-sdk/testing";

export const promptFor = (name: string) => `Write ${name}`;

export const fleetModel: ModelResponder = (request) => {
  // "Say NAME": a job with no tool call, for the throughput script.
  const said = /^Say ([a-z0-9-]+)$/.exec(request.userText ?? "")?.[1];
  if (said !== undefined) return model.say(`${said}: done`);
  const name = /^Write ([a-z0-9-]+)$/.exec(request.userText ?? "")?.[1];
  if (name === undefined) return undefined;
  if (request.toolOutputs.length === 0)
    return model.exec(`echo ${name} > ${name}.txt`, { escalate: { justification: `Write ${name}.txt` } });
  const declined = request.toolOutputs.some((o) => /rejected|declined|not approved/i.test(o.output));
  return model.say(`${name}: ${declined ? "declined" : "written"}`);
};
