// The producer side of the fleet: puts jobs on the queues. A new job goes to the shared queue,
// where any worker takes it; a job that continues a thread goes to the queue of the worker whose
// CODEX_HOME holds that thread (the `worker` of the job that started it).
import { Queue } from "bullmq";
import { SHARED_QUEUE, workerQueue, type FleetJob, type FleetJobResult } from "./keys.js";

export class FleetProducer {
  readonly #queues = new Map<string, Queue<FleetJob, FleetJobResult>>();
  readonly #connection: { url: string; maxRetriesPerRequest: null };

  constructor(redisUrl: string) {
    this.#connection = { url: redisUrl, maxRetriesPerRequest: null };
  }

  /** The queue named `name`, opened once. */
  queue(name: string = SHARED_QUEUE): Queue<FleetJob, FleetJobResult> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<FleetJob, FleetJobResult>(name, { connection: this.#connection });
      queue.on("error", () => {}); // reconnects by itself
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Enqueues a job under a unique `id`. With `threadId`, pass `worker`: the worker that ran the
   * thread's earlier job (its result says which), since only its app-server can resume it.
   */
  async enqueue(id: string, job: FleetJob, options: { worker?: string } = {}): Promise<void> {
    if (job.threadId !== undefined && options.worker === undefined)
      throw new TypeError(
        "enqueue: a job that continues a thread needs { worker }: the worker whose result named that thread.",
      );
    const queue = this.queue(options.worker === undefined ? SHARED_QUEUE : workerQueue(options.worker));
    // removeOnComplete: false keeps the result readable by id; attempts: 1 because a job that
    // failed after running commands must not silently run them again.
    await queue.add(id, job, { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
  }
}
