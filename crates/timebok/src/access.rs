//! `timebok access`: the list of who may log in as staff or operator through their provider,
//! for access that the provider's claims do not give. Each change is audited.

use clap::Subcommand;
use domain::HerId;
use store::{LoginFlow, Store, StoreError};

#[derive(Subcommand)]
pub enum AccessCommand {
    /// Let a staff member log in to a clinic: the `sub` their provider (HelseID) gives them,
    /// and the clinic's HER-id.
    GrantStaff {
        subject: String,
        #[arg(long)]
        her_id: String,
    },
    /// Let someone log in as the operator: the `sub` the operator's provider gives them.
    GrantOperator { subject: String },
    /// End a staff member's access.
    RevokeStaff { subject: String },
    /// End an operator's access.
    RevokeOperator { subject: String },
    /// Show who has access.
    List,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("«{0}» is not a HER-id")]
    HerId(String),
    #[error("no clinic has HER-id {0}")]
    UnknownClinic(String),
    #[error("an empty subject")]
    EmptySubject,
    #[error("{0} had no access")]
    NoAccess(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

fn subject(text: &str) -> Result<&str, AccessError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AccessError::EmptySubject);
    }
    Ok(text)
}

pub async fn run(store: &dyn Store, command: AccessCommand) -> Result<(), AccessError> {
    match command {
        AccessCommand::GrantStaff {
            subject: who,
            her_id,
        } => {
            let her =
                HerId::parse(her_id.trim()).map_err(|_| AccessError::HerId(her_id.clone()))?;
            let clinic = store
                .clinic_by_her_id(her)
                .await?
                .ok_or(AccessError::UnknownClinic(her_id))?;
            store
                .grant_access(LoginFlow::Staff, subject(&who)?, Some(clinic.id))
                .await?;
            println!(
                "access: {} may log in as staff of {}",
                who.trim(),
                clinic.name.as_str()
            );
        }
        AccessCommand::GrantOperator { subject: who } => {
            store
                .grant_access(LoginFlow::Operator, subject(&who)?, None)
                .await?;
            println!("access: {} may log in as the operator", who.trim());
        }
        AccessCommand::RevokeStaff { subject: who } => {
            revoke(store, LoginFlow::Staff, &who).await?
        }
        AccessCommand::RevokeOperator { subject: who } => {
            revoke(store, LoginFlow::Operator, &who).await?;
        }
        AccessCommand::List => {
            let clinics = store.clinics().await?;
            for access in store.staff_accesses().await? {
                let clinic = access
                    .clinic_id
                    .and_then(|id| clinics.iter().find(|c| c.id == id))
                    .map(|c| format!("{} (HER-id {})", c.name.as_str(), c.her_id))
                    .unwrap_or_default();
                println!("{}\t{}\t{}", access.flow.code(), access.subject, clinic);
            }
        }
    }
    Ok(())
}

async fn revoke(store: &dyn Store, flow: LoginFlow, who: &str) -> Result<(), AccessError> {
    if !store.revoke_access(flow, subject(who)?).await? {
        return Err(AccessError::NoAccess(who.trim().to_owned()));
    }
    println!(
        "access: {} may no longer log in as {}",
        who.trim(),
        flow.code()
    );
    Ok(())
}
