"""The holdings' side of a business's change (``entities.changes.HoldingRules``): registering,
moving, regrading or closing a business keeps its holding in line and writes the adjustment
ledger, inside the register service's transaction. Installed by ``CadresConfig.ready()``."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baobao.services import site_text
from cadres.models import Adjustment, AdjustmentKind, Assignment, ZoneAssignment
from cadres.services.handoffs import handoff_notify
from cadres.services.zones import entity_zone_sync
from cadres.tallies import holdings_recount


class CadreHoldingRules:
    """What a business's change does to the cadre who holds it."""

    def current_prefetch(self, *, zones: bool = True) -> Prefetch:
        related = ("cadre__division", "via_zone__zone") if zones else ("cadre__division",)
        return Prefetch(
            "assignments",
            queryset=Assignment.objects.current().select_related(*related),
            to_attr="current_holdings",
        )

    def zone_current_prefetch(self) -> Prefetch:
        return Prefetch(
            "assignments",
            queryset=ZoneAssignment.objects.filter(end_date__isnull=True).select_related(
                "cadre__division"
            ),
            to_attr="current_holdings",
        )

    def current_holding(self, *, user, entity) -> Assignment | None:
        return (
            Assignment.objects.for_user(user)
            .current()
            .filter(entity=entity)
            .select_related("cadre__division", "via_zone__zone")
            .first()
        )

    def created(self, *, entity, by, today) -> None:
        if entity.zone_id is not None:
            entity_zone_sync(
                entity=entity,
                by=by,
                reason=site_text(gettext_lazy("Joined a zone held by a cadre")),
            )
        handoff_notify(entity=entity, by=by, today=today)

    def check_move(self, *, entity, division) -> None:
        """A business cannot move out of the area of the cadre who holds it."""
        holder = (
            Assignment.objects.filter(entity=entity, end_date__isnull=True)
            .select_related("cadre__division")
            .first()
        )
        if holder and not holder.cadre.division.contains(division):
            raise ValidationError(
                {
                    "division": _(
                        "%(cadre)s, who holds this business, does not cover %(division)s; transfer it first."
                    )
                    % {"cadre": holder.cadre, "division": division}
                }
            )

    def zone_changed(self, *, entity, by, reason: str) -> None:
        entity_zone_sync(entity=entity, by=by, reason=reason)

    def regraded(
        self, *, entity, old_grade, new_grade, reason: str, effective_date, by, today
    ) -> None:
        """A holder now above the grade's level keeps it as an escalation; a holder now below it
        stays until re-assigned and is listed as breaking the level rule. Either way the regrade
        is a row of the adjustment ledger, and an office that cannot arrange the new level's
        holder hands the business up."""
        holding = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("cadre__division")
            .filter(entity=entity, end_date__isnull=True)
            .first()
        )
        if holding:
            escalated = holding.cadre.level < entity.required_level
            if escalated != holding.escalated:
                holding.escalated = escalated
                holding.escalation_reason = (
                    (
                        site_text(
                            gettext_lazy(
                                "Kept by the holder after regrade %(old)s→%(new)s: %(reason)s"
                            )
                        )
                        % {"old": old_grade, "new": new_grade, "reason": reason}
                    )[:255]
                    if escalated
                    else ""
                )
                holding.save(update_fields=["escalated", "escalation_reason"])
            Adjustment.objects.create(
                kind=AdjustmentKind.REGRADE,
                entity=entity,
                from_cadre=holding.cadre,
                to_cadre=holding.cadre,
                old_grade=old_grade,
                new_grade=new_grade,
                reason=reason,
                effective_date=effective_date,
                created_by=by,
            )
            holdings_recount(entity_ids=[entity.pk])
        handoff_notify(entity=entity, by=by, today=today)

    def moved(self, *, entity) -> None:
        """The business moved to another division: its counts follow it."""
        holdings_recount(entity_ids=[entity.pk])

    def status_changed(
        self, *, entity, closing: bool, label: str, reason: str, effective_date, by
    ) -> None:
        """Closing ends the holding (not before it began); every change is in the ledger; a
        business back in business rejoins its zone's holder."""
        holding = Assignment.objects.filter(entity=entity, end_date__isnull=True).first()
        if closing and holding:
            if effective_date < holding.start_date:
                raise ValidationError(
                    _(
                        "The business's current holding began on %(start)s; it cannot close before that."
                    )
                    % {"start": holding.start_date},
                    code="date_before_start",
                )
            holding.end_date = effective_date
            holding.save(update_fields=["end_date"])
        Adjustment.objects.create(
            kind=AdjustmentKind.ENTITY_CLOSED if closing else AdjustmentKind.ENTITY_STATUS,
            entity=entity,
            from_cadre_id=holding.cadre_id if holding else None,
            to_cadre_id=holding.cadre_id if holding and not closing else None,
            reason=f"{label}:{reason}"[:255],
            effective_date=effective_date,
            created_by=by,
        )
        if not closing and entity.zone_id:
            entity_zone_sync(entity=entity, by=by, reason=reason)
        holdings_recount(entity_ids=[entity.pk])
