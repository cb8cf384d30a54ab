/**
 * An `AsyncGenerator` that runs `open` on its first `next()` and then hands every call straight to
 * the iterator `open` resolved to. It behaves like `async function* () { yield* await open(); }`
 * (nothing starts before the first `next()`, `return()` before it starts nothing, an error from
 * `open` ends it) without that generator's cost: `yield*` adds several promise turns per value,
 * which `chat()` paid on every step. The inner iterator must serve overlapping `next()` calls itself.
 */
export function lazyGenerator<T>(open: () => Promise<AsyncIterator<T>>): AsyncGenerator<T, undefined> {
  let inner: AsyncIterator<T> | undefined;
  let opening: Promise<AsyncIterator<T>> | undefined;
  let closed = false;
  const done = (): IteratorResult<T, undefined> => ({ value: undefined, done: true });
  const close = async (): Promise<IteratorResult<T, undefined>> => {
    if (!closed) {
      closed = true;
      const it = inner ?? (await opening?.catch(() => undefined));
      await it?.return?.();
    }
    return done();
  };
  const generator: AsyncGenerator<T, undefined> = {
    next: () => {
      if (inner) return inner.next() as Promise<IteratorResult<T, undefined>>;
      if (closed) return Promise.resolve(done());
      opening ??= open().then(
        (it) => (inner = it),
        (error: unknown) => {
          closed = true;
          throw error;
        },
      );
      return opening.then((it) => it.next() as Promise<IteratorResult<T, undefined>>);
    },
    return: close,
    throw: async (error: unknown) => {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]: () => generator,
    [Symbol.asyncDispose]: async () => {
      await close();
    },
  };
  return generator;
}
