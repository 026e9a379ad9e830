"""`/api/v2/outbound/messagingcampaigns`: SMS and e-mail campaigns, their progress."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep, NameSortedPageDep, split_list
from tidings.api.paging import envelope
from tidings.api.responses import ok
from tidings.api.schemas.campaigns import (
    CampaignProgressOut,
    DiagnosticsOut,
    DivisionView,
    DivisionViewListing,
    MessagingCampaignIn,
    MessagingCampaignListing,
    MessagingCampaignOut,
    ResentOut,
)
from tidings.api.schemas.common import PlainText
from tidings.domain import campaigns as c
from tidings.domain.ids import utcnow

router = APIRouter(prefix="/api/v2/outbound/messagingcampaigns", tags=["Outbound"])

Ids = Annotated[list[str] | None, Query(alias="id", max_length=100)]
CampaignType = Annotated[Literal["SMS", "EMAIL", "WHATSAPP"] | None, Query(alias="type")]
Sender = Annotated[str | None, Query(alias="senderSmsPhoneNumber", max_length=64)]
TemplateId = Annotated[str | None, Query(alias="contentTemplateId", max_length=64)]
_MEDIA = {"SMS": "sms", "EMAIL": "email", "WHATSAPP": "whatsapp"}


@router.get("", response_model=MessagingCampaignListing)
async def list_campaigns(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: NameSortedPageDep,
    name: Annotated[str | None, Query(max_length=256)] = None,
    contact_list_id: Annotated[str | None, Query(alias="contactListId", max_length=64)] = None,
    division_ids: Annotated[list[str] | None, Query(alias="divisionId", max_length=1000)] = None,
    campaign_type: CampaignType = None,
    sender: Sender = None,
    ids: Ids = None,
    template_id: TemplateId = None,
    status: Annotated[
        Literal["on", "stopping", "off", "complete", "invalid", "forced_off", "forced_stopping"]
        | None,
        Query(alias="campaignStatus"),
    ] = None,
) -> Response:
    found, total = await app.campaigns.find(
        caller,
        page,
        name=name,
        ids=split_list(ids),
        division_ids=split_list(division_ids),
        contact_list_id=contact_list_id,
        status=status,
        media_type=_MEDIA.get(campaign_type or ""),
        sender=sender,
        template_id=template_id,
    )
    entities = [MessagingCampaignOut.of(x) for x in found]
    return ok(envelope(request, page, entities, total))


@router.post("", response_model=MessagingCampaignOut)
async def create_campaign(
    body: MessagingCampaignIn, app: ContainerDep, caller: CallerDep
) -> Response:
    return ok(MessagingCampaignOut.of(await app.campaigns.create(caller, body.to_domain())))


@router.post("/progress", response_model=list[CampaignProgressOut])
async def bulk_progress(
    app: ContainerDep,
    caller: CallerDep,
    body: Annotated[list[PlainText], Body(max_length=100)],
) -> Response:
    found = await app.campaigns.progress(caller, list(dict.fromkeys(body)))
    return ok([CampaignProgressOut.of(p) for p in found])


@router.get("/divisionviews", response_model=DivisionViewListing)
async def list_division_views(
    request: Request,
    app: ContainerDep,
    caller: CallerDep,
    page: NameSortedPageDep,
    name: Annotated[str | None, Query(max_length=256)] = None,
    ids: Ids = None,
    status: Annotated[str | None, Query(alias="campaignStatus", max_length=32)] = None,
    campaign_type: CampaignType = None,
    sender: Sender = None,
    template_id: TemplateId = None,
) -> Response:
    """The outline of campaigns in divisions where the caller may search."""
    found, total = await app.campaigns.find(
        caller,
        page,
        action="search",
        name=name,
        ids=split_list(ids),
        status=status,
        media_type=_MEDIA.get(campaign_type or ""),
        sender=sender,
        template_id=template_id,
    )
    return ok(envelope(request, page, [DivisionView.of(x) for x in found], total))


@router.get("/divisionviews/{campaign_id}", response_model=DivisionView)
async def get_division_view(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(DivisionView.of(await app.campaigns.get(caller, campaign_id, "search")))


@router.get("/{campaign_id}", response_model=MessagingCampaignOut)
async def get_campaign(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(MessagingCampaignOut.of(await app.campaigns.get(caller, campaign_id)))


@router.put("/{campaign_id}", response_model=MessagingCampaignOut)
async def update_campaign(
    campaign_id: str, body: MessagingCampaignIn, app: ContainerDep, caller: CallerDep
) -> Response:
    updated = await app.campaigns.update(caller, campaign_id, body.to_domain(), body.version)
    return ok(MessagingCampaignOut.of(updated))


@router.delete("/{campaign_id}", response_model=MessagingCampaignOut)
async def delete_campaign(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    return ok(MessagingCampaignOut.of(await app.campaigns.delete(caller, campaign_id)))


@router.post("/{campaign_id}/start", status_code=204, response_class=Response)
async def start_campaign(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.campaigns.switch(caller, campaign_id, c.ON)
    return Response(status_code=204)


@router.post("/{campaign_id}/stop", status_code=204, response_class=Response)
async def stop_campaign(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.campaigns.switch(caller, campaign_id, c.OFF)
    return Response(status_code=204)


@router.get("/{campaign_id}/progress", response_model=CampaignProgressOut)
async def get_progress(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    [progress] = await app.campaigns.progress(caller, [campaign_id])
    return ok(CampaignProgressOut.of(progress))


@router.delete("/{campaign_id}/progress", status_code=204, response_class=Response)
async def recycle_campaign(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    await app.campaigns.recycle(caller, campaign_id)
    return Response(status_code=204)


@router.get("/{campaign_id}/diagnostics", response_model=DiagnosticsOut)
async def get_diagnostics(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    found = await app.campaigns.diagnostics(caller, campaign_id)
    return ok(
        DiagnosticsOut(
            time_zone_rescheduled_contacts_count=found.waiting_for_callable_time,
            filtered_out_contacts_count=found.filtered_out,
        )
    )


@router.post("/{campaign_id}/ambiguous/resend", response_model=ResentOut)
async def resend_ambiguous(campaign_id: str, app: ContainerDep, caller: CallerDep) -> Response:
    """Tidings extension: attempt again the contacts whose send ended ambiguous (they may
    have received the message once already; the user chooses to risk a duplicate)."""
    count = await app.campaigns.resend_ambiguous(caller, campaign_id)
    return ok(ResentOut(contacts=count, requested_at=utcnow()))
