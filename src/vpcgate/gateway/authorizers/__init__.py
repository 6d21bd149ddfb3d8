"""Authorization for REST APIs, the way API Gateway decides it: pure logic plus one crypto module.

Modules (each owns one thing)::

    method.py            the facade the chain's authorize step calls: StageAuthorizers, MethodAuthorizer
    arn.py               the method ARN a request is authorized against (and its masked form)
    identity.py          identity sources: parsed once, read per request, 401 when missing
    events.py            the TOKEN and REQUEST events a Lambda authorizer receives
    output.py            a Lambda authorizer's answer, checked (401 / 500) and stringified for $context
    policy.py            IAM policy documents: Allow / Deny / neither, wildcards, principals
    conditions.py        a resource policy's Condition block (IpAddress, StringEquals, ...)
    cache.py             the authorizer result cache: AWS's key, a store Protocol, the memory store
    lambda_authorizer.py TOKEN and REQUEST authorizers: identity → cache → function → policy
    flow.py              the authorizer's decision combined with the API's resource policy
    jwks.py              JSON Web Key Sets from a file or the issuer's URL (fetch injected)
    crypto.py            the only importer of ``cryptography``: JWK → public key, signature checks
    cognito.py           COGNITO_USER_POOLS authorizers: JWT validation, scopes, claims for $context
    sigv4.py             AWS_IAM: SigV4 verification (header or presigned URL) against configured keys

How the chain uses it (built once per compiled stage, asked once per request)::

    stage_authz = StageAuthorizers(api, region=..., account_id=..., invoke_for=..., store=...,
                                   keys=..., sigv4=...)            # AuthorizerSetupError if unusable
    step = stage_authz.for_method(method)                           # None: no authorize step
    outcome = await step.authorize(AuthorizationRequest(...))       # or a GatewayError (401/403/500)
    outcome.authorizer          → $context.authorizer.*  (claims under "claims" for Cognito)
    outcome.proxy_authorizer    → requestContext.authorizer of the AWS_PROXY event
    outcome.usage_identifier_key→ the API key when apiKeySource is AUTHORIZER
    outcome.iam                 → $context.identity.* for AWS_IAM callers

Errors raised to the chain are :mod:`vpcgate.gateway.errors` classes (UnauthorizedError 401,
AccessDeniedError 403, MissingAuthenticationTokenError / InvalidSignatureError / ExpiredTokenError 403,
AuthorizerConfigurationError 500); configuration problems found while building are
``AuthorizerSetupError`` (a ``ValueError``), never at request time.
"""
