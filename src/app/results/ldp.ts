import type { LdpSummary } from "../../core/sequence/ldp.js";
import type { LdpCheck } from "../../core/sequence/ldpCheck.js";

/** The `ldp` result: the summary with λ null when saturated, the check's fields only when it was asked for. */
export interface LdpOutput {
  readonly lambda: number | null;
  readonly xStar: number;
  readonly rate: LdpSummary["rate"];
  readonly scgf: LdpSummary["scgf"];
  readonly cumulants: LdpSummary["cumulants"];
  readonly check?: LdpCheck[];
  readonly checkMethod?: LdpSummary["checkMethod"];
  readonly checkGrid?: LdpSummary["checkGrid"];
}

/** The `ldp` result of a summary: λ null when saturated, the check's fields only with a check. */
export function ldpOutput(s: LdpSummary): LdpOutput {
  return {
    lambda: s.saturated ? null : s.lambda,
    xStar: s.xStar,
    rate: s.rate,
    scgf: s.scgf,
    cumulants: s.cumulants,
    ...(s.check ? { check: s.check, checkMethod: s.checkMethod, checkGrid: s.checkGrid } : {}),
  };
}
