"""Wire shapes of the SMS opt-out list and the keyword settings (our extension, in the
Genesys style: camelCase, `selfUri`, the paging envelope)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from pydantic import Field

from tidings.api.schemas.common import ApiModel, Listing
from tidings.domain.keywords import ALL_SENDERS, KeywordAction, KeywordSettings
from tidings.domain.opt_outs import OptOut, OptOutEvent
from tidings.services.opt_outs import AddressOptOuts, SenderKeywords

OPT_OUTS = "/api/v2/routing/sms/optouts"
KEYWORD_SETTINGS = "/api/v2/routing/sms/keywordsettings"
NUMBERS = "/api/v2/routing/sms/phonenumbers"


def address_uri(address: str) -> str:
    return f"{OPT_OUTS}/{quote(address, safe='+')}"


class OptOutIn(ApiModel):
    address: str = Field(max_length=64, description="The consumer's phone number")
    sender_address: str | None = Field(
        default=None,
        max_length=64,
        description="The sender number it may no longer hear from; absent or * for every sender",
    )
    reason: str | None = Field(default=None, max_length=1000)


class OptOutOut(ApiModel):
    address: str
    sender_address: str
    all_senders: bool
    reason: str | None = None
    source: str | None = None
    keyword: str | None = None
    message_id: str | None = None
    oauth_client_id: str | None = None
    date_opted_out: datetime
    self_uri: str

    @classmethod
    def of(cls, row: OptOut) -> OptOutOut:
        return cls(
            address=row.address,
            sender_address=row.sender,
            all_senders=row.sender == ALL_SENDERS,
            reason=row.reason,
            source=row.source,
            keyword=row.keyword,
            message_id=row.message_id,
            oauth_client_id=row.actor,
            date_opted_out=row.created_at,
            self_uri=address_uri(row.address),
        )


class OptOutListing(Listing):
    entities: list[OptOutOut]


class OptOutChangeOut(ApiModel):
    action: str  # optOut | optIn
    sender_address: str
    all_senders: bool
    source: str  # keyword | api
    keyword: str | None = None
    message_id: str | None = None
    oauth_client_id: str | None = None
    reason: str | None = None
    date_created: datetime

    @classmethod
    def of(cls, event: OptOutEvent) -> OptOutChangeOut:
        return cls(
            action=event.action,
            sender_address=event.sender,
            all_senders=event.sender == ALL_SENDERS,
            source=event.source,
            keyword=event.keyword,
            message_id=event.message_id,
            oauth_client_id=event.actor,
            reason=event.reason,
            date_created=event.occurred_at,
        )


class AddressOptOutsOut(ApiModel):
    address: str
    opted_out: bool
    opt_outs: list[OptOutOut]
    # Senders let through this address's all-senders opt-out (START after STOPALL).
    exempt_sender_addresses: list[str]
    history: list[OptOutChangeOut]
    self_uri: str

    @classmethod
    def of(cls, found: AddressOptOuts) -> AddressOptOutsOut:
        return cls(
            address=found.address,
            opted_out=bool(found.suppressions),
            opt_outs=[OptOutOut.of(r) for r in found.suppressions],
            exempt_sender_addresses=[r.sender for r in found.exemptions],
            history=[OptOutChangeOut.of(e) for e in found.history],
            self_uri=address_uri(found.address),
        )


class KeywordSettingsIn(ApiModel):
    """Unset fields (absent or null) take the organisation's value, then the default."""

    opt_out_keywords: list[str] | None = Field(default=None, max_length=20)
    opt_in_keywords: list[str] | None = Field(default=None, max_length=20)
    help_keywords: list[str] | None = Field(default=None, max_length=20)
    opt_out_text: str | None = Field(default=None, max_length=2000)
    opt_in_text: str | None = Field(default=None, max_length=2000)
    help_text: str | None = Field(default=None, max_length=2000)

    def settings(self) -> KeywordSettings:
        def words(values: list[str] | None) -> tuple[str, ...] | None:
            return None if values is None else tuple(v[:100] for v in values)

        return KeywordSettings(
            opt_out_keywords=words(self.opt_out_keywords),
            opt_in_keywords=words(self.opt_in_keywords),
            help_keywords=words(self.help_keywords),
            opt_out_text=self.opt_out_text,
            opt_in_text=self.opt_in_text,
            help_text=self.help_text,
        )


class EffectiveKeywordsOut(ApiModel):
    """What a consumer's message is matched against, standard keywords included."""

    opt_out_keywords: list[str]
    opt_out_all_keywords: list[str]
    opt_in_keywords: list[str]
    help_keywords: list[str]
    opt_out_text: str
    opt_in_text: str
    help_text: str


class PhoneNumberRef(ApiModel):
    id: str
    phone_number: str
    self_uri: str


class KeywordSettingsOut(KeywordSettingsIn):
    phone_number: PhoneNumberRef | None = None
    effective: EffectiveKeywordsOut
    date_modified: datetime | None = None
    self_uri: str

    @classmethod
    def of(cls, found: SenderKeywords) -> KeywordSettingsOut:
        own = found.own
        by_action: dict[KeywordAction, list[str]] = {action: [] for action in KeywordAction}
        for word, action in sorted(found.rules.keywords.items()):
            by_action[action].append(word)
        number = found.number
        return cls(
            opt_out_keywords=list(own.opt_out_keywords)
            if own.opt_out_keywords is not None
            else None,
            opt_in_keywords=list(own.opt_in_keywords) if own.opt_in_keywords is not None else None,
            help_keywords=list(own.help_keywords) if own.help_keywords is not None else None,
            opt_out_text=own.opt_out_text,
            opt_in_text=own.opt_in_text,
            help_text=own.help_text,
            phone_number=None
            if number is None
            else PhoneNumberRef(
                id=number.id,
                phone_number=number.phone_number,
                self_uri=f"{NUMBERS}/{number.id}",
            ),
            effective=EffectiveKeywordsOut(
                opt_out_keywords=by_action[KeywordAction.OPT_OUT],
                opt_out_all_keywords=by_action[KeywordAction.OPT_OUT_ALL],
                opt_in_keywords=by_action[KeywordAction.OPT_IN],
                help_keywords=by_action[KeywordAction.HELP],
                opt_out_text=found.rules.opt_out_text,
                opt_in_text=found.rules.opt_in_text,
                help_text=found.rules.help_text,
            ),
            date_modified=found.date_modified,
            self_uri=KEYWORD_SETTINGS
            if number is None
            else f"{NUMBERS}/{number.id}/keywordsettings",
        )
