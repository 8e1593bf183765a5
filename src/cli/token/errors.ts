/** A failure of the `pixie token` flow: printed as one clear line, exit status 1. */
export class FlowError extends Error {
  /** The OAuth `error` code when a server refused the request (what the device flow's polling acts on). */
  constructor(message: string, readonly oauthError: string | null = null) {
    super(message);
  }
}
