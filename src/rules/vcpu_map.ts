/**
 * Per-vCPU memory for rules: values by (VM, vCPU id) without building a
 * string per lookup. Rules look their suspects up on most events (every mode
 * write, final check, entry and exit); a `${vm}\u0000${vcpu}` key made a
 * string and hashed it each time. Traces without VM ids (VM `0`, nearly all)
 * key by the vCPU id itself; other VMs by a string as before. One map, so
 * iteration keeps insertion order, which is the order findings are reported
 * in at the end of a trace.
 *
 * @module
 */

/** A map keyed by (VM id, vCPU id). */
export class VcpuMap<T> {
  readonly #map = new Map<number | string, T>();

  /** Number of entries. */
  get size(): number {
    return this.#map.size;
  }

  /** The value of (vm, vcpu), if any. */
  get(vm: string, vcpu: number): T | undefined {
    return this.#map.size === 0 ? undefined : this.#map.get(vcpuKey(vm, vcpu));
  }

  /** Whether (vm, vcpu) has a value. */
  has(vm: string, vcpu: number): boolean {
    return this.#map.size !== 0 && this.#map.has(vcpuKey(vm, vcpu));
  }

  /** Sets the value of (vm, vcpu) (a new key goes last in iteration order). */
  set(vm: string, vcpu: number, value: T): void {
    this.#map.set(vcpuKey(vm, vcpu), value);
  }

  /** Removes (vm, vcpu); true when it had a value. */
  delete(vm: string, vcpu: number): boolean {
    return this.#map.size !== 0 && this.#map.delete(vcpuKey(vm, vcpu));
  }

  /** The values, in insertion order. */
  values(): IterableIterator<T> {
    return this.#map.values();
  }

  /** Removes every entry. */
  clear(): void {
    this.#map.clear();
  }
}

/** The key of (vm, vcpu): the id itself in VM `0`, a string otherwise. */
function vcpuKey(vm: string, vcpu: number): number | string {
  return vm === "0" ? vcpu : `${vm}\u0000${vcpu}`;
}
