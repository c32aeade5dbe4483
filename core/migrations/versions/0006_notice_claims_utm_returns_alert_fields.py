"""notice claims, utm returns, alert fields

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:30:43.208231
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('utm_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_pk', sa.Integer(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_pk'], ['customers.id'], name=op.f('fk_utm_returns_customer_pk_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_utm_returns')),
    sa.UniqueConstraint('customer_pk', name=op.f('uq_utm_returns_customer_pk'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        # Alerts stored before this revision keep a value: the portal's middle severity, no detail.
        batch_op.add_column(sa.Column('severity', sa.String(length=10), nullable=False, server_default='medium'))
        batch_op.add_column(sa.Column('detail', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('detail')
        batch_op.drop_column('severity')

    op.drop_table('utm_returns')
