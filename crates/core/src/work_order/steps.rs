//! The steps a contractor may take on a work order, and when each is allowed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ItemStatus, WorkOrder, WorkOrderError, WorkOrderItem, WorkOrderStatus, text};

/// A step a contractor takes on a work order (in the hub's portal, or reported by phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ContractorStep {
    /// The firm will do the work.
    Accept,
    /// The firm will not do the work.
    Decline {
        /// Why.
        reason: String,
    },
    /// An appointment is booked (again, to move it).
    Schedule {
        /// The day.
        date: NaiveDate,
    },
    /// One item is fitted.
    MarkFitted {
        /// Which item.
        measure_id: String,
        /// The standard the product meets, as marked on it.
        product_standard: String,
        /// A photo of it, when taken.
        photo_sha256: Option<String>,
    },
    /// One item could not be fitted.
    MarkNotFitted {
        /// Which item.
        measure_id: String,
        /// Why.
        reason: String,
    },
}

impl ContractorStep {
    /// The step in words, for messages ("it cannot be accepted").
    pub fn label(&self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Decline { .. } => "declined",
            Self::Schedule { .. } => "booked",
            Self::MarkFitted { .. } => "marked fitted",
            Self::MarkNotFitted { .. } => "marked not fitted",
        }
    }

    /// The statuses an order may be in for this step.
    pub fn allowed_from(&self, status: WorkOrderStatus) -> bool {
        use WorkOrderStatus as S;
        match self {
            Self::Accept => status == S::New,
            Self::Decline { .. } => matches!(status, S::New | S::Accepted | S::Scheduled),
            Self::Schedule { .. } | Self::MarkFitted { .. } | Self::MarkNotFitted { .. } => {
                matches!(status, S::Accepted | S::Scheduled)
            }
        }
    }
}

fn photo_ref(value: &str) -> Result<String, WorkOrderError> {
    let hex = value.trim();
    let hex = hex.strip_prefix("sha256:").unwrap_or(hex);
    if hex.len() == 64
        && hex
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        Ok(format!("sha256:{hex}"))
    } else {
        Err(WorkOrderError::BadPhoto)
    }
}

impl WorkOrder {
    /// Takes a contractor's step at `now`, or refuses it and leaves the order unchanged.
    pub fn apply(
        &mut self,
        step: ContractorStep,
        now: DateTime<Utc>,
    ) -> Result<(), WorkOrderError> {
        if !step.allowed_from(self.status) {
            return Err(WorkOrderError::NotFromStatus {
                step: step.label(),
                status: self.status.label(),
            });
        }
        match step {
            ContractorStep::Accept => self.status = WorkOrderStatus::Accepted,
            ContractorStep::Decline { reason } => {
                let reason = text(&reason, "decline_reason", "why the work is declined")?;
                if self.items.iter().any(|i| i.status == ItemStatus::Fitted) {
                    return Err(WorkOrderError::PartlyFitted);
                }
                self.decline_reason = Some(reason);
                self.status = WorkOrderStatus::Declined;
            }
            ContractorStep::Schedule { date } => {
                if date < now.date_naive() {
                    return Err(WorkOrderError::DateInPast { date });
                }
                self.appointment_date = Some(date);
                self.status = WorkOrderStatus::Scheduled;
            }
            ContractorStep::MarkFitted {
                measure_id,
                product_standard,
                photo_sha256,
            } => {
                let standard = text(
                    &product_standard,
                    "product_standard",
                    "the standard marked on the product",
                )?;
                let photo = photo_sha256
                    .as_deref()
                    .filter(|p| !p.trim().is_empty())
                    .map(photo_ref)
                    .transpose()?;
                let item = self.item_mut(&measure_id)?;
                if item.status == ItemStatus::Fitted {
                    return Err(WorkOrderError::ItemAlreadyFitted {
                        measure: item.name.clone(),
                    });
                }
                item.status = ItemStatus::Fitted;
                item.fitted_at = Some(now);
                item.product_standard = Some(standard);
                item.not_fitted_reason = None;
                item.photo_sha256 = photo;
                if self.items.iter().all(|i| i.status == ItemStatus::Fitted) {
                    self.status = WorkOrderStatus::Fitted;
                }
            }
            ContractorStep::MarkNotFitted { measure_id, reason } => {
                let reason = text(&reason, "not_fitted_reason", "why it was not fitted")?;
                let item = self.item_mut(&measure_id)?;
                if item.status == ItemStatus::Fitted {
                    return Err(WorkOrderError::ItemAlreadyFitted {
                        measure: item.name.clone(),
                    });
                }
                item.status = ItemStatus::NotFitted;
                item.not_fitted_reason = Some(reason);
            }
        }
        Ok(())
    }

    fn item_mut(&mut self, measure_id: &str) -> Result<&mut WorkOrderItem, WorkOrderError> {
        self.items
            .iter_mut()
            .find(|i| i.measure_id == measure_id)
            .ok_or_else(|| WorkOrderError::NoSuchItem {
                measure: measure_id.to_owned(),
            })
    }

    /// How many items are fitted.
    pub fn fitted_count(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.status == ItemStatus::Fitted)
            .count()
    }
}
