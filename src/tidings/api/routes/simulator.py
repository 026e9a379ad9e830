"""The simulator's consumer side (our extension): with `TIDINGS_SMS_URL=simulator:`, a
caller can play the recipient and send an SMS back, which arrives as a provider's inbound
message would."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from tidings.api.deps import CallerDep, ContainerDep
from tidings.api.responses import ok
from tidings.api.schemas.common import ApiModel
from tidings.domain.channels import InboundSms
from tidings.domain.errors import FieldProblem, InvalidInput, NotFound
from tidings.domain.ids import utcnow

router = APIRouter(prefix="/api/v2/simulator", tags=["Simulator (extension)"])

SIMULATE = "conversation:message:create"


class SimulatedSmsIn(ApiModel):
    from_address: str = Field(max_length=64, description="The consumer's phone number")
    to_address: str = Field(max_length=64, description="One of our sender numbers")
    text_body: str = Field(max_length=2000)


class SimulatedSmsOut(ApiModel):
    from_address: str
    to_address: str
    text_body: str


@router.post("/sms/inbound", response_model=SimulatedSmsOut, status_code=202)
async def simulate_inbound_sms(
    body: SimulatedSmsIn, app: ContainerDep, caller: CallerDep
) -> Response:
    caller.access.require(SIMULATE)
    if not app.settings.sms_url.startswith("simulator:"):
        raise NotFound("simulator", "sms")
    sender = app.addresses.phone(body.from_address)
    if sender.address is None:
        raise InvalidInput(
            f"fromAddress: not a phone number ({sender.reason})",
            details=[FieldProblem("fromAddress", "invalid.value", sender.reason or "")],
        )
    message = InboundSms(sender.address, body.to_address.strip(), body.text_body, utcnow())
    await app.channel_events.inbound_sms(message)
    return ok(
        SimulatedSmsOut(
            from_address=message.from_address,
            to_address=message.to_address,
            text_body=message.text,
        ),
        status_code=202,
    )
