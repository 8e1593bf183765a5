/**
 * The admin API with its OpenAPI 3.1 document (/api/openapi.json) and Swagger UI
 * (/api/swagger). Only /api routes are documented; the OAuth endpoints have their own specs.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ADMIN_SCOPE, authenticateAdmin } from '../../plugins/admin-auth.js';
import { SWAGGER_THEME } from '../../views/swagger-theme.js';
import { clientRoutes } from './clients.js';
import { adminSchemaError } from './common.js';
import { grantRoutes } from './grants.js';
import { serverRoutes } from './servers.js';
import { tenantRoutes } from './tenants.js';
import { userRoutes } from './users.js';

/** The Authorize button of Swagger UI: client credentials against the default tenant's admin server. */
export const SWAGGER_TOKEN_URL = '/default/admin/oauth2/token';
/** …and against the system tenant's, whose admin manages tenants. */
const SYSTEM_TOKEN_URL = '/system/admin/oauth2/token';

// Swagger UI styles elements inline; everything else stays as strict as Pixie's own pages.
const SWAGGER_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
  "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export async function adminApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Pixie admin API', version: '1',
        description: 'Manage tenants, authorization servers, clients, users, grants and tokens. '
          + 'Authenticate with an access token from the client_credentials grant of a client of the tenant `admin` server, '
          + `scope \`${ADMIN_SCOPE}\` (POST /{tenant}/admin/oauth2/token). Tenants need a client of the \`system\` tenant.`,
      },
      components: {
        securitySchemes: {
          adminOAuth: {
            type: 'oauth2',
            description: 'A client of the `default` tenant\'s admin server (client credentials). For another tenant, get a token from '
              + `/{tenant}/admin/oauth2/token (\`grant_type=client_credentials\`, \`scope=${ADMIN_SCOPE}\`) and paste it into bearerToken.`,
            flows: { clientCredentials: { tokenUrl: SWAGGER_TOKEN_URL, scopes: { [ADMIN_SCOPE]: "Manage the tenant's configuration" } } },
          },
          systemOAuth: {
            type: 'oauth2',
            description: 'The `system` tenant\'s admin client (`system-admin`, secret printed at first start or set with PIXIE_ADMIN_CLIENT_SECRET): '
              + 'manages tenants, and every tenant\'s configuration.',
            flows: { clientCredentials: { tokenUrl: SYSTEM_TOKEN_URL, scopes: { [ADMIN_SCOPE]: 'Manage tenants and their configuration' } } },
          },
          bearerToken: { type: 'http', scheme: 'bearer', description: 'An access token of a tenant admin server' },
        },
      },
    },
    // Routes outside /api (OAuth endpoints, pages) are not part of this document.
    transform: ({ schema, url }) => ({ schema: url.startsWith('/api/') ? schema : { ...schema, hide: true }, url }),
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/swagger',
    staticCSP: SWAGGER_CSP,
    // BaseLayout: no "Explore" top bar; Pixie's own header comes from the theme.
    uiConfig: { deepLinking: false, persistAuthorization: false, layout: 'BaseLayout' },
    theme: SWAGGER_THEME,
    // The one scope the admin API needs, ticked in the Authorize dialog.
    initOAuth: { scopes: [ADMIN_SCOPE] },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // /api/swagger/{tenant} is accepted too; there is one UI for every tenant.
  app.get('/api/swagger/:tenant', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/api/swagger/'));
  await app.register(async (api) => {
    api.setSchemaErrorFormatter(adminSchemaError);
    api.addHook('onRequest', authenticateAdmin);
    tenantRoutes(api);
    serverRoutes(api);
    clientRoutes(api);
    userRoutes(api);
    grantRoutes(api);
  });
}
