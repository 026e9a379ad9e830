"""What goes into a submit_sm and what comes out of a deliver_sm, free of any I/O.

Texts are encoded by `domain.sms_content`: GSM 03.38 as unpacked septets (one a byte, the
form SMPP carries with data_coding 0; the SMSC packs them for the air) or UCS-2 big-endian
(data_coding 8). A long text goes out as parts with a concatenation UDH (esm_class 0x40),
as parts with SAR TLVs, or whole in one message_payload TLV.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tidings.domain import sms_content
from tidings.domain.channels import SmsPart
from tidings.domain.receipts import Receipt, parse_receipt

DATA_CODING = {sms_content.GSM7: 0x00, sms_content.UCS2: 0x08}
ESM_UDHI = 0x40
# esm_class message-type bits (§5.2.12) that mark a receipt rather than a message.
_RECEIPT_TYPES = {0x04, 0x08, 0x20}  # SMSC receipt, SME ack, intermediate notification

TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F
TLV_MESSAGE_PAYLOAD = 0x0424
TLV_MESSAGE_STATE = 0x0427

ESME_ROK = 0x00
ESME_RSYSERR = 0x08
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58
# Answers after which nothing was taken and a later attempt may well succeed.
_TRANSIENT = {ESME_RSYSERR, 0x45, 0x64, 0xFF}
THROTTLING = {ESME_RMSGQFUL, ESME_RTHROTTLED}

STATUS_NAMES = {
    0x01: "message length is invalid",
    0x02: "command length is invalid",
    0x03: "invalid command id",
    0x04: "incorrect bind status for this command",
    0x08: "system error",
    0x0A: "invalid source address",
    0x0B: "invalid destination address",
    0x0C: "message id is invalid",
    0x0D: "bind failed",
    0x0E: "invalid password",
    0x0F: "invalid system id",
    0x14: "message queue full",
    0x15: "invalid service type",
    0x33: "invalid number of destinations",
    0x40: "invalid esm_class",
    0x45: "submit_sm failed",
    0x48: "invalid source address TON",
    0x49: "invalid source address NPI",
    0x50: "invalid destination address TON",
    0x51: "invalid destination address NPI",
    0x53: "invalid system_type",
    0x58: "throttling error",
    0x61: "invalid scheduled delivery time",
    0x62: "invalid validity period",
    0x63: "predefined message not found",
    0x64: "ESME receiver temporary application error",
    0x65: "ESME receiver permanent application error",
    0x66: "ESME receiver reject message error",
    0xC0: "error in an optional parameter",
    0xC1: "optional parameter not allowed",
    0xC2: "invalid parameter length",
    0xC3: "expected optional parameter missing",
    0xC4: "invalid optional parameter value",
    0xFE: "delivery failure",
    0xFF: "unknown error",
}


def status_code(status: int) -> str:
    return f"0x{status:08X}"


def status_reason(status: int) -> str:
    return STATUS_NAMES.get(status, "SMSC error") + f" ({status_code(status)})"


def is_transient(status: int) -> bool:
    return status in _TRANSIENT


@dataclass(frozen=True)
class Submission:
    """The message fields of one submit_sm."""

    short_message: bytes
    data_coding: int
    esm_class: int = 0
    tlvs: tuple[tuple[int, bytes], ...] = ()


def submissions(text: str, long: str, reference: int) -> list[Submission]:
    """The submit_sm (one, or one a part) that carry `text`; `reference` ties the parts."""
    single = _single(text)
    if single is not None:
        return [single]
    parts = sms_content.parts(text, reference & 0xFF)
    coding = DATA_CODING[sms_content.encoding_of(text)]
    if len(parts) == 1:
        return [Submission(parts[0].payload, coding)]
    if long == "payload":
        whole = b"".join(part.payload for part in parts)
        return [Submission(b"", coding, tlvs=((TLV_MESSAGE_PAYLOAD, whole),))]
    if long == "sar":
        return [
            Submission(
                part.payload,
                coding,
                tlvs=(
                    (TLV_SAR_MSG_REF_NUM, (reference & 0xFFFF).to_bytes(2, "big")),
                    (TLV_SAR_TOTAL_SEGMENTS, bytes([part.total])),
                    (TLV_SAR_SEGMENT_SEQNUM, bytes([part.number])),
                ),
            )
            for part in parts
        ]
    return [Submission(part.udh + part.payload, coding, ESM_UDHI) for part in parts]


def _single(text: str) -> Submission | None:
    """The one submit of a text that fits one message, encoded once (the general path
    weighs every character, a third of the adapter's CPU for short texts)."""
    septets = sms_content.gsm7(text)
    if septets is None:
        units = text.encode("utf-16-be")
        if len(units) <= 2 * sms_content.SINGLE[sms_content.UCS2]:
            return Submission(units, DATA_CODING[sms_content.UCS2])
        return None
    if len(septets) <= sms_content.SINGLE[sms_content.GSM7]:
        return Submission(septets, DATA_CODING[sms_content.GSM7])
    return None


def address_type(address: str) -> tuple[str, int, int]:
    """The address as SMPP carries it, with its TON and NPI: E.164 `+...` is international
    ISDN (1/1), letters make an alphanumeric sender (5/0), a few digits a short code (3/0)."""
    if address.startswith("+"):
        return address[1:], 1, 1
    if not address.isdigit():
        return address, 5, 0
    if len(address) <= 8:
        return address, 3, 0
    return address, 1, 1


# --- deliver_sm ----------------------------------------------------------------------


@dataclass(frozen=True)
class MobileOriginated:
    text: str
    part: SmsPart | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def is_receipt(esm_class: int) -> bool:
    return (esm_class & 0x3C) in _RECEIPT_TYPES


def alphabet_of(data_coding: int) -> str:
    """The alphabet a deliver_sm's data_coding names (sms_content.ALPHABETS)."""
    if 0x10 <= data_coding <= 0x1F:  # GSM 03.38 with a message class: bits 3-2 the alphabet
        data_coding = (0x00, 0x04, 0x08, 0x04)[(data_coding >> 2) & 0x03]
    if data_coding == 0x08:
        return sms_content.UCS2_ALPHABET
    if data_coding == 0x01:
        return sms_content.ASCII_ALPHABET
    if data_coding == 0x00 or (data_coding & 0xF4) == 0xF0:  # default alphabet, or class
        return sms_content.GSM7_ALPHABET
    return sms_content.LATIN1_ALPHABET  # 0x03, 8-bit data (0x04) and the unknown ones


def decode_text(data_coding: int, payload: bytes) -> str:
    return sms_content.decode(alphabet_of(data_coding), payload)


def _tlv(tlvs: dict[int, bytes], tag: int) -> int | None:
    value = tlvs.get(tag)
    return int.from_bytes(value, "big") if value else None


def read_receipt(short_message: bytes, tlvs: dict[int, bytes]) -> Receipt | None:
    body = short_message or tlvs.get(TLV_MESSAGE_PAYLOAD, b"")
    receipted = tlvs.get(TLV_RECEIPTED_MESSAGE_ID)
    message_id = receipted.rstrip(b"\0").decode("latin-1") if receipted else None
    return parse_receipt(body.decode("latin-1"), message_id or None, _tlv(tlvs, TLV_MESSAGE_STATE))


def read_message(
    esm_class: int, data_coding: int, short_message: bytes, tlvs: dict[int, bytes]
) -> MobileOriginated:
    """The text and the concatenation of a mobile-originated deliver_sm."""
    body = short_message or tlvs.get(TLV_MESSAGE_PAYLOAD, b"")
    part: SmsPart | None = None
    if esm_class & ESM_UDHI and body:
        length = body[0]
        part = _udh_part(body[1 : 1 + length])
        body = body[1 + length :]
    total = _tlv(tlvs, TLV_SAR_TOTAL_SEGMENTS)
    if part is None and total and total > 1:
        part = SmsPart(
            reference=_tlv(tlvs, TLV_SAR_MSG_REF_NUM) or 0,
            total=total,
            sequence=_tlv(tlvs, TLV_SAR_SEGMENT_SEQNUM) or 1,
        )
    if part is not None:  # kept undecoded too: see SmsPart
        part = replace(part, payload=body, alphabet=alphabet_of(data_coding))
    return MobileOriginated(
        decode_text(data_coding, body), part, {"smpp_data_coding": str(data_coding)}
    )


def _udh_part(header: bytes) -> SmsPart | None:
    """The concatenation element of a UDH: IEI 0x00 (8-bit reference) or 0x08 (16-bit)."""
    index = 0
    while index + 2 <= len(header):
        iei, size = header[index], header[index + 1]
        data = header[index + 2 : index + 2 + size]
        if iei == 0x00 and size == 3 and len(data) == 3:
            return SmsPart(reference=data[0], total=data[1], sequence=data[2])
        if iei == 0x08 and size == 4 and len(data) == 4:
            return SmsPart(int.from_bytes(data[:2], "big"), total=data[2], sequence=data[3])
        index += 2 + size
    return None
