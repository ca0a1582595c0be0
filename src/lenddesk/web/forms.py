from django.core.exceptions import ValidationError
from django.forms import Form


def apply_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors next to their field,
    the rest at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def report_outcome(request, action, success: str) -> bool:
    """Run a write whose page answers with a message (delete, activate, small settings):
    its ValidationError messages, or ``success``, become flash messages."""
    from django.contrib import messages

    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True
