/**
 * The headings of the seed document, Documentation/virt/kvm/vcpu-requests.rst
 * (as in Linux 6.12 and 6.18), in document order: what a rule's
 * `seedSections` may name. tests/rules/seed_sections_test.ts reads the
 * headings out of the document itself and fails when this list differs.
 *
 * @module
 */

/** Every heading of the seed document, in order. */
export const SEED_SECTIONS = [
  "KVM VCPU Requests",
  "Overview",
  "VCPU Kicks",
  "VCPU Mode",
  "VCPU Request Internals",
  "Architecture Independent Requests",
  "KVM_REQUEST_MASK",
  "VCPU Request Flags",
  "VCPU Requests with Associated State",
  "Ensuring Requests Are Seen",
  "IPI Reduction",
  "Waiting for Acknowledgements",
  "Request-less VCPU Kicks",
  "Additional Considerations",
  "Sleeping VCPUs",
  "References",
] as const;

/** A heading of the seed document. */
export type SeedSection = typeof SEED_SECTIONS[number];
