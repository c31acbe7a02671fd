/** A runbook checklist as data: each line in the runbook's words, mapped to the checks that verify it. */
export interface Procedure {
  /** The command that runs it: `health db`. */
  id: string;
  /** Where it lives in the runbook and the script it replaces. */
  runbook: string;
  items: readonly { title: string; checks: readonly string[] }[];
  /**
   * A review whose `manual` lines are controls to attest (monthly compliance, security, capacity):
   * a control neither attested nor waived leaves the review incomplete, so the run exits 3, not 0.
   */
  attestedReview?: boolean;
}
