-- Contractors' work orders, raised when a supervisor approves a plan: one per firm.
-- The body is the JSON core::work_order::WorkOrder, whose top-level fields are the synced
-- fields (entity "work_order"); the firm's progress comes back from the hub the same way.
-- number, firm, status and due date are copied out for lists.
CREATE TABLE work_orders (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    number         TEXT NOT NULL,
    plan_id        TEXT NOT NULL REFERENCES plans (id),
    household_id   TEXT NOT NULL REFERENCES households (id),
    firm_id        TEXT NOT NULL,
    status         TEXT NOT NULL,
    due_date       TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    hlc            TEXT NOT NULL,
    field_versions TEXT NOT NULL
) STRICT;
CREATE INDEX work_orders_plan ON work_orders (plan_id);
CREATE INDEX work_orders_household ON work_orders (household_id);
CREATE INDEX work_orders_status ON work_orders (status);
