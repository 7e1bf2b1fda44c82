"""Bulk ingest: a content hash per camera row, cleared by any write that does not renew it.

``cameras.row_hash`` is the 64-bit hash of the import row that last wrote the camera
(:func:`sharpeyes.store.bulk.row_hashes`). An import whose row has the same hash leaves the camera as
it is without reading it (importing the same row again is a no-op by the merge rules). A trigger
clears the hash on every UPDATE that does not set a new one (a camera edited by any other writer is
merged in full again next time).

Revision ID: 0008_bulk_ingest
Revises: 0007_grids (chained after the migrations main has)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_bulk_ingest"
down_revision = "0007_grids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cameras", sa.Column("row_hash", sa.BigInteger))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION cameras_row_hash_stale() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF NEW.row_hash IS NOT DISTINCT FROM OLD.row_hash THEN NEW.row_hash := NULL; "
            "END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER tr_cameras_row_hash_stale BEFORE UPDATE ON cameras "
            "FOR EACH ROW EXECUTE FUNCTION cameras_row_hash_stale()"
        )
    else:
        op.execute(
            "CREATE TRIGGER tr_cameras_row_hash_stale AFTER UPDATE ON cameras FOR EACH ROW "
            "WHEN OLD.row_hash IS NOT NULL AND NEW.row_hash IS OLD.row_hash BEGIN "
            "UPDATE cameras SET row_hash = NULL WHERE camera_id = NEW.camera_id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_cameras_row_hash_stale ON cameras")
        op.execute("DROP FUNCTION IF EXISTS cameras_row_hash_stale()")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_cameras_row_hash_stale")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("row_hash")
