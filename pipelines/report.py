"""Readable reasons for a failed run (root causes of step failures and failed checks)."""


def _root_message(err) -> str:
    messages = []
    while err is not None:
        messages.append(err.message.strip())
        err = err.cause
    # The innermost error is the one that names the file, line or code at fault.
    return messages[-1] if messages else "failed"


def failure_reasons(events) -> list[str]:
    reasons = []
    for event in events:
        if event.event_type_value == "STEP_FAILURE":
            err = event.event_specific_data.error
            reasons.append(f"step {event.step_key}: {_root_message(err) if err else 'failed'}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                reasons.append(f"check {data.check_name} on {data.asset_key.to_user_string()}: "
                               f"{data.description or 'failed'}")
    return reasons
