import type { FileUpdateChange } from "../protocol/generated/v2/FileUpdateChange.js";

/** Most file-change items whose diffs are remembered while their approval may still come. */
const TRACKED_FILE_CHANGES = 1024;

const key = (threadId: string, id: string) => `${threadId}\u0000${id}`;

/**
 * The changes each running file-change item announced in its `item/started`: the approval request
 * itself carries no paths or diffs, so the broker takes them from here. Bounded.
 */
export class FileChangeTracker {
  private readonly fileChanges = new Map<string, { turnId: string; changes: FileUpdateChange[] }>();

  /** The changes announced for an item, or []. */
  changesOf(threadId: string, itemId: string): FileUpdateChange[] {
    return this.fileChanges.get(key(threadId, itemId))?.changes ?? [];
  }

  started(params: unknown): void {
    const p = params as {
      threadId?: string;
      turnId?: string;
      item?: { type?: string; id?: string; changes?: FileUpdateChange[] };
    };
    const item = p.item;
    if (item?.type !== "fileChange" || typeof p.threadId !== "string" || typeof item.id !== "string") return;
    if (this.fileChanges.size >= TRACKED_FILE_CHANGES) {
      const oldest = this.fileChanges.keys().next().value;
      if (oldest !== undefined) this.fileChanges.delete(oldest);
    }
    this.fileChanges.set(key(p.threadId, item.id), {
      turnId: p.turnId ?? "",
      changes: item.changes ?? [],
    });
  }

  completed(params: unknown): void {
    if (this.fileChanges.size === 0) return;
    const p = params as { threadId?: string; item?: { type?: string; id?: string } };
    if (p.item?.type === "fileChange" && typeof p.threadId === "string" && typeof p.item.id === "string")
      this.fileChanges.delete(key(p.threadId, p.item.id));
  }

  /** The turn ended: its items are done. */
  turnEnded(threadId: string, turnId: string): void {
    for (const [k, v] of this.fileChanges) {
      if (v.turnId === turnId && k.startsWith(`${threadId}\u0000`)) this.fileChanges.delete(k);
    }
  }

  clear(): void {
    this.fileChanges.clear();
  }
}
