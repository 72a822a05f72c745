"""What a business's change does to whoever holds it: the register's port to the holdings app.

The register (this app) sits below the holdings (``cadres``): it must not import them, yet
registering, moving, regrading or closing a business changes its holding and writes the
adjustment ledger in the same transaction. So the register's services call the functions of
:class:`HoldingRules`, and the holdings app installs its implementation from its
``AppConfig.ready()`` with :func:`holding_rules_register`. Without one (a project that has no
holdings) every hook does nothing and a business simply has no holder.
"""

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class HoldingRules(Protocol):
    """The hooks the register calls, inside its own transaction, and the reads its pages need."""

    def current_prefetch(self, *, zones: bool = True):
        """A ``Prefetch`` giving each listed business ``current_holdings`` (0 or 1 row), with
        the zone each is held through unless ``zones`` is false."""

    def zone_current_prefetch(self):
        """A ``Prefetch`` giving each listed zone ``current_holdings`` (0 or 1 row)."""

    def current_holding(self, *, user, entity):
        """The business's open holding as ``user`` may see it, or None."""

    def created(self, *, entity, by, today) -> None:
        """A business was registered (it may have joined a held zone)."""

    def check_move(self, *, entity, division) -> None:
        """Raise ``ValidationError`` if the business may not move to ``division``."""

    def zone_changed(self, *, entity, by, reason: str) -> None:
        """The business joined or left a zone."""

    def moved(self, *, entity) -> None:
        """The business moved to another division (its counts follow it)."""

    def regraded(
        self, *, entity, old_grade, new_grade, reason: str, effective_date, by, today
    ) -> None:
        """The business's grade changed from ``old_grade`` to ``new_grade``."""

    def status_changed(self, *, entity, closing: bool, label: str, reason: str, effective_date, by):
        """The business was suspended, resumed, reopened or (``closing``) closed."""


class _NoHoldings:
    """The rules of a project without holdings: nothing is held, nothing follows a change."""

    def current_prefetch(self, *, zones: bool = True):
        return None

    def zone_current_prefetch(self):
        return None

    def current_holding(self, *, user, entity):
        return None

    def created(self, **kwargs) -> None:
        pass

    def check_move(self, **kwargs) -> None:
        pass

    def zone_changed(self, **kwargs) -> None:
        pass

    def moved(self, **kwargs) -> None:
        pass

    def regraded(self, **kwargs) -> None:
        pass

    def status_changed(self, **kwargs) -> None:
        pass


_rules: list[HoldingRules] = []


def holding_rules_register(rules: HoldingRules) -> None:
    """Install the holdings app's rules; called once, from its ``AppConfig.ready()``."""
    if _rules and type(_rules[0]) is not type(rules):
        raise ImproperlyConfigured(f"Holding rules are already {_rules[0]!r}; not {rules!r}.")
    _rules[:] = [rules]


def holding_rules() -> HoldingRules:
    """The installed rules, or rules that do nothing."""
    return _rules[0] if _rules else _NoHoldings()


# Listeners of the register's changes (e.g. the enterprises app's rate rollup): called inside
# the service's transaction with each changed business's state before (None: new) and after.
STATE_FIELDS = ("division_id", "division_path", "business_type", "grade", "status")
_listeners: list = []


def entity_state(entity) -> tuple:
    """What a listener may count a business by: ``STATE_FIELDS``' values."""
    return tuple(getattr(entity, field) for field in STATE_FIELDS)


def entity_listener_register(listener) -> None:
    """Add ``listener(changes=[(entity_id, before, after), ...])``; from an ``AppConfig.ready()``."""
    if listener not in _listeners:
        _listeners.append(listener)


def entities_changed(changes: list) -> None:
    """Tell the listeners; ``changes`` are (entity id, state before or None, state after)."""
    for listener in _listeners:
        listener(changes=changes)
