/** Usage of `pixie token`, apart so that `pixie help` need not load the command. */
export const TOKEN_HELP = `  pixie token --issuer URL --client-id ID [--scope "openid profile"] [--client-secret S [--client-auth basic|post]]
              [--authorize-url URL --token-url URL] [--redirect-uri URI] [--paste] [--no-browser]
              [--resource URI]... [--no-par] [--json] [--save NAME] [--timeout 300]
  pixie token --issuer URL --register [--initial-access-token T] [--scope "…"] [--resource URI]... [--json] [--save NAME]
              (registers a public client with a loopback redirect, RFC 7591, where the server allows it)
  pixie token --device --issuer URL --client-id ID [--scope "…"] [--client-secret S [--client-auth basic|post]]
              [--resource URI]... [--no-qr] [--json] [--save NAME] [--timeout SECONDS]
              (RFC 8628: shows a code and a URL, and a QR code on a terminal, to approve from another device)
  pixie token --refresh NAME [--resource URI]... [--client-secret S [--client-auth basic|post]] [--json]
  DPoP (RFC 9449), with any of the above: --dpop [--dpop-key FILE] [--api-url URL]
              (a key-bound token; the key is saved with --save, --refresh reuses it; prints a curl line with a proof)
`;
