"""Authorization for REST APIs, the way API Gateway decides it: pure logic plus one crypto module.

Modules (each owns one thing)::

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
    sigv4.py             AWS_IAM: SigV4 verification against credentials configured for vpcgate

How the chain's authorize step uses them (one method, built once per stage)::

    CUSTOM:   flow.pre_authorize(policy, arn, ...)            # resource policy's explicit Deny first
              result = await lambda_authorizer.authorize(AuthorizerRequest(arn, identity, proxy))
              flow.decide(AuthKind.LAMBDA, result.decision, policy, arn, ...)
    COGNITO:  claims = await cognito.authorize(headers, scopes=method.authorization_scopes)
              flow.decide(AuthKind.COGNITO, Decision.ALLOW, policy, arn, ...)
    AWS_IAM:  identity = verifier.verify(SignedRequest(...))
              flow.decide(AuthKind.IAM, Decision.ALLOW, policy, arn, caller=identity.caller, ...)
    NONE:     flow.decide(AuthKind.NONE, Decision.NEITHER, policy, arn, ...)  # only with a policy
"""
