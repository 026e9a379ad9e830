"""ImportStatus, ContactListUploadUrlRequest, DNCListUploadUrlRequest and UploadUrlResponse."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tidings.api.schemas.common import ApiModel, UtcDatetime
from tidings.domain.imports import COMPLETE, ImportJob

# Genesys' ImportStatus knows only these two states; an import that ended well has none.
GenesysImportState = Literal["IN_PROGRESS", "FAILED"]


class ImportStatusOut(ApiModel):
    state: GenesysImportState | None = None
    total_records: int
    completed_records: int
    percent_complete: int
    failure_reason: str | None = None
    # Tidings extensions: the whole story of the import.
    id: str
    status: Literal["IN_PROGRESS", "COMPLETE", "FAILED"]
    imported_records: int
    rejected_records: int
    duplicate_records: int
    warnings: list[str]
    rejects_uri: str | None = None
    date_started: UtcDatetime | None = None
    date_completed: UtcDatetime | None = None

    @classmethod
    def of(cls, job: ImportJob, rejects_uri: str | None = None) -> ImportStatusOut:
        return cls(
            state=None if job.state == COMPLETE else job.state,  # type: ignore[arg-type]
            total_records=job.total_records,
            completed_records=job.completed_records,
            percent_complete=job.percent_complete,
            failure_reason=job.failure_reason,
            id=job.id,
            status=job.state,  # type: ignore[arg-type]
            imported_records=job.imported,
            rejected_records=job.rejected,
            duplicate_records=job.duplicates,
            warnings=job.warnings,
            rejects_uri=rejects_uri,
            date_started=job.date_created,
            date_completed=job.date_completed,
        )


class ContactListUploadUrlRequest(ApiModel):
    content_type: Literal["text/csv", "application/vnd.ms-excel"]
    id: str = Field(min_length=1, max_length=64)
    signed_url_timeout_seconds: int = Field(default=600, ge=1, le=604_800)
    contact_id_name: str | None = Field(default=None, max_length=256)
    clear_system_data: bool = False
    import_template_id: str | None = Field(default=None, max_length=64)
    list_name_prefix: str | None = Field(default=None, max_length=256)
    division_id_for_target_contact_lists: str | None = Field(default=None, max_length=64)
    file_specification_template_id: str | None = Field(default=None, max_length=64)


class DncListUploadUrlRequest(ApiModel):
    content_type: Literal["text/csv", "application/vnd.ms-excel"]
    id: str = Field(min_length=1, max_length=64)
    signed_url_timeout_seconds: int = Field(default=600, ge=1, le=604_800)
    # Column names separated by commas, as in the multipart upload.
    phone_columns: str | None = Field(default=None, max_length=4096)
    email_columns: str | None = Field(default=None, max_length=4096)
    custom_exclusion_columns: str | None = Field(default=None, max_length=4096)
    expiration_date_time_column: str | None = Field(default=None, max_length=256)
    whats_app_columns: str | None = Field(default=None, max_length=4096)


class UploadUrlResponse(ApiModel):
    url: str
    upload_key: str
    headers: dict[str, str]
