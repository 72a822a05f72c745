"""What every page needs of the sign-in policy: the idle timeout that its warning counts down."""

from accounts.policy import idle_timeout_seconds


def session_policy(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"idle_seconds": idle_timeout_seconds(user)}
