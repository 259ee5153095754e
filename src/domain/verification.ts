/** What checking an uploaded PDF tells the person who asked: the verify page's result. */
export type VerifyOutcome = {
  /** Everything below holds: Pactly's seal, valid, the whole file, original and evidence intact. */
  genuine: boolean;
  sealed: boolean;
  sealValid: boolean;
  trusted: boolean;
  unchanged: boolean;
  originalIntact: boolean;
  evidenceIntact: boolean;
  completedAt: string | null;
};
