// A real OpenID provider on loopback for Timebok's tests, built on the `oidc-provider` package.
//
//   node e2e/oidc/provider.mjs <Timebok's base URL> <people as JSON> [options as JSON]
//
// It registers three clients, `timebok-patient`, `timebok-staff` and `timebok-operator` (secret:
// `secret-` and the flow), each redirecting to `<base>/innlogging/<pasient|personale|drift>/svar`, and prints
// `issuer: http://127.0.0.1:<port>` once it listens.
//
// A fourth, `timebok-staff-jwt`, logs staff in as HelseID's clients do: no secret, but a client
// assertion signed with Timebok's key (`private_key_jwt`). Its public keys are read from Timebok's
// JWKS at `<base>/.well-known/jwks.json`, or are the option `staffKeys` (a list of public JWKs).
//
// As an OAuth 2.0 authorization server it also registers the FHIR API's machine clients (see
// `machineClients`), which get JWT access tokens for the resource `urn:timebok:fhir` with the
// client credentials grant, as HelseID's clients do. People are `{ "<login>": { "acr": "…",
// "claims": { … } } }`: the login form takes the login name, the ID token carries the claims,
// `sub` is the login name, and `acr` is the level the person logged in at.

import Provider from "oidc-provider";
import { createServer } from "node:http";

const [base, peopleJson, optionsJson] = process.argv.slice(2);
if (!base || !peopleJson) {
  console.error("usage: provider.mjs <timebok base URL> <people as JSON>");
  process.exit(2);
}
const people = JSON.parse(peopleJson);
const options = JSON.parse(optionsJson || "{}");
// Timebok's flows and the path segment of each one's redirect URI.
const flows = { patient: "pasient", staff: "personale", operator: "drift" };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

// Machine clients: id, the scopes they may have, and the clinic claim in their tokens. A client
// with `dpop` gets access tokens bound to its DPoP key (RFC 9449).
const machineClients = [
  { id: "fhir-reader", scope: "system/Slot.rs" },
  { id: "fhir-booker", scope: "system/Slot.rs system/Appointment.cruds" },
  { id: "fhir-clinic", scope: "system/Slot.rs system/Appointment.cruds", clinic: "1002" },
  { id: "fhir-stranger", scope: "system/Slot.rs", clinic: "999999" },
  { id: "fhir-unbound", scope: "system/Slot.rs" },
  { id: "fhir-dpop", scope: "system/Slot.rs system/Appointment.cruds", dpop: true },
];
const fhirResource = "urn:timebok:fhir";

const provider = new Provider(issuer, {
  clients: [
    ...machineClients.map(({ id, scope, dpop }) => ({
      client_id: id,
      client_secret: `secret-${id}`,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      scope,
      token_endpoint_auth_method: "client_secret_basic",
      ...(dpop ? { dpop_bound_access_tokens: true } : {}),
    })),
    ...Object.entries(flows).map(([flow, segment]) => ({
    client_id: `timebok-${flow}`,
    client_secret: `secret-${flow}`,
    redirect_uris: [`${base}/innlogging/${segment}/svar`],
    post_logout_redirect_uris: [`${base}/logg-inn`, `${base}/personale/logg-inn`],
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  })),
    {
      client_id: "timebok-staff-jwt",
      redirect_uris: [`${base}/innlogging/personale/svar`],
      post_logout_redirect_uris: [`${base}/personale/logg-inn`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "private_key_jwt",
      ...(options.staffKeys ? { jwks: { keys: options.staffKeys } } : { jwks_uri: `${base}/.well-known/jwks.json` }),
    },
  ],
  // Timebok's JWKS is on loopback, which the provider's guard against server-side request
  // forgery refuses to fetch from; that guard is lifted for Timebok's own address only.
  fetch: (url, { dispatcher, ...init }) =>
    globalThis.fetch(url, String(url).startsWith(`${base}/`) ? init : { dispatcher, ...init }),
  pkce: { required: () => true },
  scopes: ["openid", "offline_access", "system/Slot.rs", "system/Appointment.cruds"],
  acrValues: ["idporten-loa-substantial", "idporten-loa-high"],
  claims: { openid: ["sub"], profile: ["name", "pid", "clinic", "roles", "represents"] },
  // Claims in the ID token, as ID-porten and HelseID give them, not only from userinfo.
  conformIdTokenClaims: false,
  cookies: { keys: ["timebok-tests-only"] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => fhirResource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== fhirResource) throw new Error(`unknown resource ${resource}`);
        return {
          scope: "system/Slot.rs system/Appointment.cruds",
          audience: fhirResource,
          accessTokenFormat: "jwt",
          accessTokenTTL: 300,
          jwt: { sign: { alg: "RS256" } },
        };
      },
    },
  },
  // The clinic a machine client belongs to, as HelseID puts its organisation in the token.
  async extraTokenClaims(_ctx, token) {
    const machine = machineClients.find((c) => c.id === token.clientId);
    return machine?.clinic ? { clinic: machine.clinic } : undefined;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...person.claims }) };
  },
  // First-party clients: no consent screen, the grant covers what was asked for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
});
const handle = provider.callback();

function loginForm(res, uid, message) {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="en"><head><title>Test provider</title></head><body>
<h1>Test provider</h1>${message ? `<p role="alert">${escape(message)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Login</label> <input id="login" name="login" autofocus>
<button type="submit">Sign in</button></form></body></html>`);
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

server.on("request", async (req, res) => {
  const found = req.url.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!found) return handle(req, res);
  try {
    const [, uid, login] = found;
    const details = await provider.interactionDetails(req, res);
    if (!login) return loginForm(res, uid);
    const name = (await readForm(req)).get("login") || "";
    const person = people[name];
    if (!person) return loginForm(res, uid, `No such person: ${name}`);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: name, acr: person.acr } },
      { mergeWithLastSubmission: false },
    );
    return details;
  } catch (error) {
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(String(error));
  }
});

console.log(`issuer: ${issuer}`);
