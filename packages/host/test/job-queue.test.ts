/**
 * The scheduler's in-memory queue: oldest first within an extension, round robin between
 * extensions, each within its room.
 */
import { describe, expect, it } from "vitest";
import { JobQueue, type QueuedJob } from "../src/jobs/queue.js";

const job = (id: string, extensionId: string, createdAt: number): QueuedJob => ({ id, extensionId, createdAt });
const ids = (jobs: QueuedJob[]) => jobs.map((j) => j.id);

describe("JobQueue", () => {
  it("orders an extension's jobs by creation, then id, whatever order they arrive in", () => {
    const queue = new JobQueue();
    for (const j of [job("c", "x", 2), job("a", "x", 1), job("d", "x", 2), job("b", "x", 1), job("e", "x", 3)]) {
      queue.add(j);
    }
    queue.add(job("a", "x", 1)); // once only
    expect(queue.size("x")).toBe(5);
    expect(ids(queue.take(10, () => 10))).toEqual(["a", "b", "c", "d", "e"]);
    expect(queue.size("x")).toBe(0);
  });

  it("serves extensions round robin, starting after the one served last, within each one's room", () => {
    const queue = new JobQueue();
    for (let i = 0; i < 3; i++) {
      for (const ext of ["alpha", "beta", "gamma"]) queue.add(job(`${ext}${i}`, ext, i));
    }
    const room: Record<string, number> = { alpha: 2, beta: 0, gamma: 1 };
    expect(ids(queue.take(10, (e) => room[e] ?? 0))).toEqual(["alpha0", "gamma0", "alpha1"]);
    // alpha was served last: beta comes next, then gamma, then alpha.
    expect(ids(queue.take(2, () => 1))).toEqual(["beta0", "gamma1"]);
    expect(ids(queue.take(10, () => 1))).toEqual(["alpha2", "beta1", "gamma2"]);
  });

  it("takes out removed jobs, and forgets an extension with none left", () => {
    const queue = new JobQueue();
    queue.add(job("a", "x", 1));
    queue.add(job("b", "x", 2));
    queue.add(job("c", "y", 1));
    expect(queue.remove("a")).toBe(true);
    expect(queue.remove("a")).toBe(false);
    expect(queue.remove("c")).toBe(true);
    expect(queue.has("b")).toBe(true);
    expect(ids(queue.take(5, () => 5))).toEqual(["b"]);
    expect(queue.take(5, () => 5)).toEqual([]);
  });

  it("takes nothing for an extension without room, and keeps its jobs", () => {
    const queue = new JobQueue();
    queue.add(job("a", "unloaded", 1));
    expect(queue.take(4, () => 0)).toEqual([]);
    expect(queue.size("unloaded")).toBe(1);
  });
});
