"""The candidate's page and the HR workspace on CloudFront: the recording page from ``web/candidate``, the
workspace from ``web/hr`` and, on the same origin, the API's ``/v1/candidate/…`` and ``/v1/workspace/…`` routes.

One distribution, four behaviours:

- default: a private bucket, read by CloudFront only (origin access control). A CloudFront Function sends
  every ``/c/{token}`` (anything under ``/c/`` outside ``/c/assets/``) to ``c/index.html``: the page reads the
  token from the address itself.
- ``/v1/candidate/*``: the HTTP API, uncached, every method, every viewer header but Host (so the session
  token reaches the function; with caching disabled CloudFront forwards ``Authorization`` too). The page
  calls its API on its own origin: no CORS between the two, and ``connect-src 'self'``.
- ``/hr*``: the HR workspace (issue 18) from the same bucket, with a CloudFront Function of its own that sends
  every page address (anything under ``/hr/`` outside ``/hr/assets/``) to ``hr/index.html`` (the page routes
  itself), and headers of its own: no camera or microphone, no framing, ``Referrer-Policy: same-origin``.
- ``/v1/workspace/*``: the HTTP API again, uncached, with the cookies and the query string (the session is an
  HttpOnly cookie ``jw_session``; WeCom's sign-in comes back with ``?code=&state=``).

Locally there is no CloudFront: ``jiping serve`` serves ``web/candidate`` and ``web/hr`` itself, beside the
local API (``infra/localcloud/api_gateway.py``, with the same headers).
In AWS China the stack builds no site (CloudFront there has neither origin access control nor CloudFront
Functions, and serves only an ICP-registered domain): ``jiping:candidateBaseUrl`` names where the company
hosts the page.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, Duration, Fn, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import constants
from infra.constructs import log_group as encrypted_log_group
from infra.nag import acknowledge

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = REPO_ROOT / constants.CANDIDATE_WEB_DIR
API_PATH_PATTERN = "/v1/candidate/*"
PAGE_PREFIX = constants.CANDIDATE_PAGE_KEY.rsplit("/", 1)[0] + "/"  # "c/"
# The HR workspace (issue 18)
HR_WEB_DIR = REPO_ROOT / "web" / "hr"
HR_PATH_PATTERN = "/hr*"  # /hr, /hr/ and everything under it (/hr/* alone would leave /hr to the default)
HR_PAGE_KEY = "hr/index.html"
HR_PREFIX = "hr/"
HR_ASSETS_PREFIX = "hr/assets/"
WORKSPACE_API_PATH_PATTERN = "/v1/workspace/*"
OUTPUT_WORKSPACE_URL = "WorkspaceUrl"  # {site}/hr/: where HR and managers sign in

# No inline script or style, nothing from another origin but the presigned POST to S3 (connect-src); the
# recording is previewed from a blob: URL.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; media-src 'self' blob:; img-src 'self' data: blob:; "
    "connect-src 'self' https://*.amazonaws.com; style-src 'self'; script-src 'self'"
)
PERMISSIONS_POLICY = "camera=(self), microphone=(self)"
# The workspace: nothing inline, nothing from another origin but the answers' recordings, which the report plays
# from presigned GETs on the uploads bucket (media-src); no framing (the session is a cookie).
WORKSPACE_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; media-src 'self' blob: https://*.amazonaws.com; img-src 'self' data:; "
    "connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
WORKSPACE_PERMISSIONS_POLICY = "camera=(), microphone=()"
HSTS_MAX_AGE = Duration.days(365)

# cloudfront-js-2.0. /c/{token} (and any deeper path under /c/ but the assets) is the page; the assets and
# everything else (the API behaviour has no function) pass unchanged.
REWRITE_FUNCTION_CODE = f"""function handler(event) {{
  var request = event.request;
  var uri = request.uri;
  if ((uri === '/c' || uri.indexOf('/c/') === 0) && uri.indexOf('/{constants.CANDIDATE_ASSETS_PREFIX}') !== 0) {{
    request.uri = '/{constants.CANDIDATE_PAGE_KEY}';
  }}
  return request;
}}
"""

# cloudfront-js-2.0. Every workspace address but its assets is the one page (deep links: /hr/jobs/{id},
# /hr/interviews/{id}, /hr/interviews/{id}/outline, /hr/login?error=…).
HR_REWRITE_FUNCTION_CODE = f"""function handler(event) {{
  var request = event.request;
  var uri = request.uri;
  if ((uri === '/hr' || uri.indexOf('/hr/') === 0) && uri.indexOf('/{HR_ASSETS_PREFIX}') !== 0) {{
    request.uri = '/{HR_PAGE_KEY}';
  }}
  return request;
}}
"""

NO_GEO_RESTRICTION = (
    "Candidates answer from wherever they are (campus hires abroad, relocations); the page and its routes admit "
    "only holders of an unexpired, single-use link, and the candidate routes are throttled at the API stage. "
    "The workspace routes admit only a signed-in member of the company (WeCom or Cognito session)."
)
NO_WAF = (
    "A web ACL for CloudFront must be created in us-east-1 and this stack is regional; docs/waf.md describes "
    "adding one. Until then the candidate routes have their own low stage throttle (CANDIDATE_THROTTLE_*) and "
    "every request needs a link or session token the function checks against its stored hash."
)
NO_ACCESS_LOGS = (
    "CloudFront's standard logs need a log bucket with ACLs enabled (the stack's access-log bucket enforces "
    "bucket-owner objects, ACLs off) and v2 log delivery must be set up in us-east-1. They would also store "
    "every /c/{token} address, a live link's token in clear, with the candidate's IP. The API's access log "
    "records every /v1/candidate call by route key (no token); the bucket's server access logs record "
    "CloudFront's reads."
)
DEFAULT_CERTIFICATE = (
    "Without a company domain (jiping:candidateBaseUrl, jiping:candidateCertificateArn) the distribution "
    "serves *.cloudfront.net with CloudFront's default certificate, whose security policy CloudFront fixes at "
    "TLSv1 (browsers negotiate TLS 1.2 or 1.3; no minimum can be set). With a company domain it is "
    "TLSv1.2_2021."
)


class CandidateSite(Construct):
    """The candidate page's bucket, its deployment, and the distribution in front of it and of the API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        http_api: apigwv2.IHttpApi,
        access_logs: s3.IBucket,
        domain_name: str = "",
        certificate_arn: str = "",
        stage: str = constants.DEFAULT_STAGE,
        web_dir: Path = WEB_DIR,
        hr_web_dir: Path = HR_WEB_DIR,
    ) -> None:
        """``domain_name`` (a host, from ``jiping:candidateBaseUrl``) needs ``certificate_arn``, an ACM
        certificate for it in us-east-1; without both the site is the distribution's own domain."""
        super().__init__(scope, construct_id)

        # S3-managed encryption: the bucket holds the page's public static files (HTML, JS, CSS; no personal
        # data, the same for every candidate). A KMS key would need a key policy letting CloudFront decrypt
        # for this distribution, for nothing to protect. Private all the same: only the distribution reads it.
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="candidate-site/",
            lifecycle_rules=[
                s3.LifecycleRule(id="replaced-files", noncurrent_version_expiration=Duration.days(1))
            ],
        )

        # The address carries the link's token: no Referer leaves the page with it (the presigned POST to S3 is
        # cross-origin).
        headers = self._headers(
            "SecurityHeaders",
            f"Jiping candidate page ({stage}): CSP, HSTS, camera and microphone for the page only",
            CONTENT_SECURITY_POLICY,
            cloudfront.HeadersReferrerPolicy.NO_REFERRER,
            PERMISSIONS_POLICY,
        )
        rewrite = cloudfront.Function(
            self,
            "PageRewrite",
            # CloudFront Functions are named per account, not per region: the stage and the region keep the
            # stacks of one account apart (CDK's default name carries neither the stage nor, then, the stack).
            function_name=f"{constants.SERVICE_NAME}-{stage}-candidate-page-{Aws.REGION}",
            comment="/c/{token} -> /c/index.html (the assets under /c/assets/ pass)",
            code=cloudfront.FunctionCode.from_inline(REWRITE_FUNCTION_CODE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        workspace_headers = self._headers(
            "WorkspaceHeaders",
            f"Jiping HR workspace ({stage}): CSP, HSTS, no framing, no camera or microphone",
            WORKSPACE_CONTENT_SECURITY_POLICY,
            cloudfront.HeadersReferrerPolicy.SAME_ORIGIN,
            WORKSPACE_PERMISSIONS_POLICY,
        )
        hr_rewrite = cloudfront.Function(
            self,
            "WorkspaceRewrite",
            function_name=f"{constants.SERVICE_NAME}-{stage}-workspace-page-{Aws.REGION}",
            comment="/hr/… -> /hr/index.html (the assets under /hr/assets/ pass)",
            code=cloudfront.FunctionCode.from_inline(HR_REWRITE_FUNCTION_CODE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        # The API's own domain, from the Api resource (GetAtt ApiEndpoint), not from its stage: the stage
        # depends on the routes, the routes on the functions, and the Api function's environment names this
        # distribution (candidate_base_url). Through the Api resource alone that is no cycle.
        api_domain = Fn.select(2, Fn.split("/", http_api.api_endpoint))

        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
            if certificate_arn
            else None
        )
        # One origin each for the bucket and the API, shared by the behaviours that use them.
        site_origin = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        api_origin = origins.HttpOrigin(
            api_domain,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Jiping candidate page and HR workspace ({stage})",
            default_behavior=cloudfront.BehaviorOptions(
                origin=site_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors={
                API_PATH_PATTERN: cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=headers,
                ),
                # The session cookie, WeCom's ?code=&state= and every method reach WorkspaceApi; nothing is
                # cached (a person's own data).
                WORKSPACE_API_PATH_PATTERN: cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=workspace_headers,
                ),
                HR_PATH_PATTERN: cloudfront.BehaviorOptions(
                    origin=site_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    response_headers_policy=workspace_headers,
                    function_associations=[
                        cloudfront.FunctionAssociation(
                            function=hr_rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                        )
                    ],
                ),
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            domain_names=[domain_name] if domain_name else None,
            certificate=certificate,
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate is not None else None
            ),
        )
        acknowledge(self.distribution, "AwsSolutions-CFR1", NO_GEO_RESTRICTION)
        acknowledge(self.distribution, "AwsSolutions-CFR2", NO_WAF)
        acknowledge(self.distribution, "AwsSolutions-CFR3", NO_ACCESS_LOGS)
        if certificate is None:
            acknowledge(self.distribution, "AwsSolutions-CFR4", DEFAULT_CERTIFICATE)

        self.domain_name = domain_name or self.distribution.distribution_domain_name
        # The page's origin: Api's candidate_base_url and the uploads bucket's CORS origin.
        self.url = f"https://{self.domain_name}"

        self.workspace_url = f"{self.url}/hr/"

        self._deploy(web_dir, hr_web_dir)
        for name, value in (
            (constants.OUTPUT_CANDIDATE_SITE_URL, self.url),
            (constants.OUTPUT_CANDIDATE_SITE_DOMAIN, self.distribution.distribution_domain_name),
            (OUTPUT_WORKSPACE_URL, self.workspace_url),
        ):
            CfnOutput(self, name, value=value).override_logical_id(name)

    def _headers(
        self,
        construct_id: str,
        comment: str,
        csp: str,
        referrer: cloudfront.HeadersReferrerPolicy,
        permissions: str,
    ) -> cloudfront.ResponseHeadersPolicy:
        """A page's response headers: its CSP, HSTS, no sniffing, no framing, its referrer and permissions."""
        return cloudfront.ResponseHeadersPolicy(
            self,
            construct_id,
            comment=comment,
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=referrer, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy", value=permissions, override=True
                    )
                ]
            ),
        )

    def _acknowledge_deployment(self, role: iam.IRole) -> None:
        """The wildcards CDK's BucketDeployment grants its handler, which runs only at deploy time."""
        assets = "arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*"
        site = Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        for applies_to, reason in {
            f"Resource::{assets}": "The deployment reads the zipped web/candidate and web/hr assets from the CDK "
            "bootstrap assets bucket; their keys are content hashes.",
            f"Resource::<{site}.Arn>/*": "The deployment syncs web/candidate and web/hr into the site bucket, which "
            "holds nothing else (c/index.html, c/assets/, hr/index.html, hr/assets/).",
            "Action::s3:GetObject*": "BucketDeployment: reads of the asset and of the site bucket's objects.",
            "Action::s3:GetBucket*": "BucketDeployment: bucket-level reads of the asset and site buckets.",
            "Action::s3:List*": "BucketDeployment: s3 sync lists the asset and the site bucket.",
            "Action::s3:Abort*": "BucketDeployment: aborting its own multipart uploads to the site bucket.",
            "Action::s3:DeleteObject*": "BucketDeployment: s3 sync --delete removes files gone from web/candidate "
            "or web/hr (under c/assets/ and hr/assets/ only: the pages' deployments do not prune).",
            "Resource::*": "BucketDeployment grants cloudfront:CreateInvalidation and GetInvalidation on '*' "
            "(not configurable); the handler invalidates /c/* or /hr* of this distribution after each deploy.",
        }.items():
            acknowledge(role, f"AwsSolutions-IAM5[{applies_to}]", reason)

    def _deploy(self, web_dir: Path, hr_web_dir: Path) -> None:
        """``web/candidate`` to the bucket: the page at ``c/index.html``, every other file under ``c/assets/``;
        each deploy invalidates ``/c/*`` so that a new page and its files reach the edge together. ``web/hr``
        the same way, under ``hr/`` (invalidating ``/hr*``)."""
        # CDK's deployment handler (one Lambda for both) runs with a role of ours, without AWS managed
        # policies, and logs to an encrypted log group with the stack's retention, like our functions.
        role = iam.Role(
            self,
            "DeploymentRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Jiping: copies web/candidate and web/hr to the site bucket at deploy time",
        )
        logs = encrypted_log_group(self, "DeploymentLogs")
        logs.grant(role, "logs:CreateLogStream", "logs:PutLogEvents")
        self._acknowledge_deployment(role)
        # (construct id prefix, source folder, page prefix, assets prefix, invalidated paths)
        sites = (
            ("", web_dir, PAGE_PREFIX, constants.CANDIDATE_ASSETS_PREFIX, f"/{PAGE_PREFIX}*"),
            ("Workspace", hr_web_dir, HR_PREFIX, HR_ASSETS_PREFIX, HR_PATH_PATTERN),
        )
        for name, folder, page_prefix, assets_prefix, paths in sites:
            common = {
                "sources": [s3deploy.Source.asset(str(folder))],
                "destination_bucket": self.bucket,
                "distribution": self.distribution,
                "distribution_paths": [paths],
                "role": role,
                "log_group": logs,
            }
            s3deploy.BucketDeployment(
                self,
                f"Deploy{name}Assets",
                destination_key_prefix=assets_prefix,
                exclude=["index.html"],
                **common,  # type: ignore[arg-type]
            )
            # The page beside its assets, not among them: prune off, or syncing "c/" would delete "c/assets/".
            s3deploy.BucketDeployment(
                self,
                f"Deploy{name}Page",
                destination_key_prefix=page_prefix,
                exclude=["*"],
                include=["index.html"],
                prune=False,
                **common,  # type: ignore[arg-type]
            )
