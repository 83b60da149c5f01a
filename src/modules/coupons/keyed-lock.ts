// An in-process queue per key (a template, an order): writers of one hot row take turns in this process instead
// of colliding in the store. Correctness does not depend on it (the store's counter row and conditional updates
// hold across processes); it keeps DuckDB from burning its conflict retries when many claims arrive at once.

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `fn` after every earlier `run` with the same key has finished.
   * @example await locks.run(`tpl:${ws}:${id}`, () => store.transaction(...))
   */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
