/** A failure of the `pixie token` flow: printed as one clear line, exit status 1. */
export class FlowError extends Error {}
