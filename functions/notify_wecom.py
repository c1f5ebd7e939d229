"""NotifyWecom: domain events (EventBridge -> SQS) tell the interview's HR owners and candidate in WeCom.

Per record: the interview's recipients and job title are read, ``jiping.delivery.wecom.Notifier`` sends (or
records why it skipped) each notice. A deferred or transient failure (a member's rate limit, WeCom busy)
is reported back to SQS alone and retried after the visibility timeout; what was already sent is not
sent again.
"""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools.metrics import MetricUnit
from jiping import bootstrap
from jiping.delivery.wecom import NOTIFY_EVENTS, Notifier
from jiping.domain.events import DomainEventRecord
from jiping.domain.models import DomainEvent, Interview, ObjectLocation
from jiping.handlers import sqs_batch_handler
from jiping.observability import logger, metrics
from jiping.portal.candidates import feedback_from_result, feedback_text
from jiping.settings import WecomSettings, load


@lru_cache(maxsize=1)
def settings() -> WecomSettings:
    return load(WecomSettings)


@lru_cache(maxsize=1)
def notifier() -> Notifier:
    return bootstrap.wecom_notifier(settings())


def record_handler(record: DomainEventRecord) -> None:
    event = record.body.detail
    if event.type not in NOTIFY_EVENTS:
        return
    s = settings()
    interview = bootstrap.interview_repository(s.interviews_table).get(event.tenant_id, event.interview_id)
    title = interview.job_id if interview and interview.job_id else "—"
    if interview and interview.job_id and interview.job_version is not None:
        profile = bootstrap.profile_repository(s.profiles_table).get(
            event.tenant_id, interview.job_id, interview.job_version
        )
        title = profile.title if profile else title
    notices = notifier().notify(event, interview, title, _feedback(event, interview))
    counts: dict[str, int] = {}
    for n in notices:
        counts[n.status] = counts.get(n.status, 0) + 1
    logger.info("wecom notified", extra={"event_id": event.id, "event_type": event.type, "outcomes": counts})
    metrics.add_metric(name="WecomNotices", unit=MetricUnit.Count, value=counts.get("sent", 0))


def _feedback(event: DomainEvent, interview: Interview | None) -> str | None:
    """The candidate's feedback as their WeCom message, when the tenant opted in (off by default)."""
    s = settings()
    if event.type != "interview.scored" or interview is None or interview.candidate is None:
        return None
    if not s.candidate_links_table or not s.artifacts_bucket or not interview.result_key:
        return None
    options = bootstrap.candidate_links(s.candidate_links_table).options(interview.tenant_id)
    if not options.feedback:
        return None
    document = bootstrap.object_store().get_json(
        ObjectLocation(bucket=s.artifacts_bucket, key=interview.result_key)
    )
    language = interview.candidate.language
    feedback = feedback_from_result(document, language, options.feedback_score)
    return feedback_text(feedback, language) if feedback.items else None


handler = sqs_batch_handler(DomainEventRecord, record_handler)
