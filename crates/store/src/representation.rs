//! Who may act for whom (see `domain::representation` for the age rules): the register's
//! relations, imported and listed by the operator, and those an identity provider claims at
//! login, behind one table. The booking core reads the same table in its transaction
//! (`booking::rules::represents`); what is here decides what a representative is offered.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::national_id;
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, AuditAction, NationalId, RelationKind};
use jiff::Timestamp;
use jiff::civil::Date;

/// Where a relation comes from. Each source keeps its own rows, so an identity provider's
/// claims replace only what it said before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationSource {
    /// The operator's register (CSV import).
    Register,
    /// The identity provider's claims at the representative's last login.
    IdentityProvider,
}

impl RelationSource {
    pub fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::IdentityProvider => "idp",
        }
    }

    fn parse(code: &str) -> Result<Self> {
        match code {
            "register" => Ok(Self::Register),
            "idp" => Ok(Self::IdentityProvider),
            _ => Err(StoreError::Corrupt("representation.source")),
        }
    }
}

/// A relation as the register's file or the identity provider gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelation {
    pub representative: NationalId,
    pub person: NationalId,
    pub kind: RelationKind,
    /// The last day a fullmakt stands, when it was given for a time. A parent's relation ends
    /// by the child's age whatever this says.
    pub last_day: Option<Date>,
}

/// A relation as the register lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub representative: NationalId,
    pub person: NationalId,
    pub kind: RelationKind,
    pub source: RelationSource,
    /// When it stops allowing anything; `None` while it stands until removed.
    pub valid_until: Option<Timestamp>,
}

/// Someone a representative may act for now, as «Bytt person» offers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Represented {
    pub person: NationalId,
    pub kind: RelationKind,
    /// Their names where a clinic lists them; a person on no clinic's list has none here.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// A page of the register's relations, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationPage {
    pub relations: Vec<Relation>,
    pub total: u64,
}

#[async_trait]
pub trait Representations: Send + Sync {
    /// The people `representative` may act for now, by name.
    async fn represented(&self, representative: &NationalId) -> Result<Vec<Represented>>;
    /// Adds the register's relations in one transaction (a relation named again is replaced),
    /// with one audit event; answers how many were written.
    async fn import_relations(&self, actor: &Actor, relations: &[NewRelation]) -> Result<u64>;
    /// The register's and the identity provider's relations, by representative: an audited
    /// read.
    async fn relations_page(&self, actor: &Actor, offset: u64, limit: u32) -> Result<RelationPage>;
    /// Removes a relation of the register; audited. Answers whether there was one.
    async fn remove_relation(
        &self,
        actor: &Actor,
        representative: &NationalId,
        person: &NationalId,
    ) -> Result<bool>;
    /// Replaces what the identity provider said about `representative` with `relations`, as
    /// it says at each login; audited when it says anything.
    async fn replace_claimed(
        &self,
        representative: &NationalId,
        relations: &[NewRelation],
    ) -> Result<()>;
    /// Makes the session act for `person` (`None`: for its own patient), if a relation to
    /// them stands. Audited with both people. Answers whether it did.
    async fn act_for(&self, token_hash: &str, person: Option<&NationalId>) -> Result<bool>;
}

/// The moment a relation stops allowing anything: the start of its first day without access,
/// in the clinics' time zone.
fn valid_until(relation: &NewRelation) -> Result<Option<i64>> {
    let by_age = domain::access_ends(relation.kind, &relation.person);
    let by_end = relation.last_day.and_then(|day| day.tomorrow().ok());
    let Some(first_day_without) = [by_age, by_end].into_iter().flatten().min() else {
        return Ok(None);
    };
    let zone = domain::clinic_time_zone().map_err(|_| StoreError::Corrupt("time zone"))?;
    let at = zone
        .to_ambiguous_timestamp(first_day_without.at(0, 0, 0, 0))
        .compatible()
        .map_err(|_| StoreError::Corrupt("representation.valid_until"))?;
    Ok(Some(at.as_second()))
}

async fn write_relations(
    tx: &mut impl Executor,
    relations: &[NewRelation],
    source: RelationSource,
    now: i64,
) -> Result<u64> {
    let mut written = 0;
    for relation in relations {
        if relation.representative == relation.person {
            continue;
        }
        written += tx
            .execute(
                q("INSERT INTO representation \
                     (representative, person, kind, source, valid_until, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (representative, person, source) DO UPDATE \
                     SET kind = excluded.kind, valid_until = excluded.valid_until")
                .bind(relation.representative.as_str())
                .bind(relation.person.as_str())
                .bind(relation.kind.code())
                .bind(source.code())
                .bind(valid_until(relation)?)
                .bind(now),
            )
            .await?;
    }
    Ok(written)
}

fn kind(code: &str) -> Result<RelationKind> {
    RelationKind::parse(code).ok_or(StoreError::Corrupt("representation.kind"))
}

#[async_trait]
impl<D: Database> Representations for SqlStore<D> {
    async fn represented(&self, representative: &NationalId) -> Result<Vec<Represented>> {
        let now = self.now().as_second();
        // A person related both ways (register and identity provider) is offered once, with
        // the relation that allows most ('fullmakt' sorts before 'parent').
        let rows: Vec<(String, String, Option<String>, Option<String>)> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT r.person, MIN(r.kind), MIN(p.first_name), MIN(p.last_name) \
                     FROM representation r LEFT JOIN patient p ON p.national_id = r.person \
                     WHERE r.representative = $1 AND (r.valid_until IS NULL OR r.valid_until > $2) \
                     GROUP BY r.person ORDER BY MIN(p.first_name), r.person",
                )
                .bind(representative.as_str())
                .bind(now),
            )
            .await?;
        rows.into_iter()
            .map(|(person, code, first_name, last_name)| {
                Ok(Represented {
                    person: national_id(&person, "representation.person")?,
                    kind: kind(&code)?,
                    first_name,
                    last_name,
                })
            })
            .collect()
    }

    async fn import_relations(&self, actor: &Actor, relations: &[NewRelation]) -> Result<u64> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let written = write_relations(&mut tx, relations, RelationSource::Register, now).await?;
        let entry = Entry {
            at: now,
            actor,
            action: AuditAction::RelationsImported,
            clinic_id: None,
            patient: None,
            subject: format!("representation:{written}"),
        };
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn relations_page(&self, actor: &Actor, offset: u64, limit: u32) -> Result<RelationPage> {
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<(String, String, String, String, Option<i64>)> = tx
            .fetch_all(
                q(
                    "SELECT representative, person, kind, source, valid_until FROM representation \
                   ORDER BY representative, person, source LIMIT $1 OFFSET $2",
                )
                .bind(i64::from(limit))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX)),
            )
            .await?;
        let (total,): (i64,) = tx
            .fetch_one(q("SELECT COUNT(*) FROM representation"))
            .await?;
        let entry = Entry {
            at: self.now().as_second(),
            actor,
            action: AuditAction::RelationsViewed,
            clinic_id: None,
            patient: None,
            subject: format!("representation:{offset}+{}", rows.len()),
        };
        record(&mut tx, entry).await?;
        tx.commit().await?;
        let relations = rows
            .into_iter()
            .map(|(representative, person, code, source, until)| {
                Ok(Relation {
                    representative: national_id(&representative, "representation.representative")?,
                    person: national_id(&person, "representation.person")?,
                    kind: kind(&code)?,
                    source: RelationSource::parse(&source)?,
                    valid_until: until
                        .map(|at| crate::rows::instant(at, "representation.valid_until"))
                        .transpose()?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(RelationPage {
            relations,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn remove_relation(
        &self,
        actor: &Actor,
        representative: &NationalId,
        person: &NationalId,
    ) -> Result<bool> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let removed = tx
            .execute(
                q("DELETE FROM representation \
                   WHERE representative = $1 AND person = $2 AND source = 'register'")
                .bind(representative.as_str())
                .bind(person.as_str()),
            )
            .await?;
        if removed > 0 {
            let entry = Entry {
                at: now,
                actor,
                action: AuditAction::RelationRemoved,
                clinic_id: None,
                patient: Some(person),
                subject: format!("representative:{}", representative.as_str()),
            };
            record(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn replace_claimed(
        &self,
        representative: &NationalId,
        relations: &[NewRelation],
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let before = tx
            .execute(
                q("DELETE FROM representation WHERE representative = $1 AND source = 'idp'")
                    .bind(representative.as_str()),
            )
            .await?;
        let own: Vec<NewRelation> = relations
            .iter()
            .filter(|r| &r.representative == representative)
            .cloned()
            .collect();
        let written = write_relations(&mut tx, &own, RelationSource::IdentityProvider, now).await?;
        if before > 0 || written > 0 {
            let actor = Actor::Representative(representative.clone());
            let entry = Entry {
                at: now,
                actor: &actor,
                action: AuditAction::RelationsClaimed,
                clinic_id: None,
                patient: None,
                subject: format!("representation:{written}"),
            };
            record(&mut tx, entry).await?;
        }
        tx.commit().await
    }

    async fn act_for(&self, token_hash: &str, person: Option<&NationalId>) -> Result<bool> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let changed = tx
            .execute(
                q("UPDATE session SET acting_for = $3 \
                     WHERE token_hash = $1 AND expires_at > $2 AND ($3 IS NULL OR EXISTS \
                       (SELECT 1 FROM representation r \
                        WHERE r.representative = session.national_id AND r.person = $3 \
                          AND (r.valid_until IS NULL OR r.valid_until > $2)))")
                .bind(token_hash)
                .bind(now)
                .bind(person.map(NationalId::as_str)),
            )
            .await?;
        if changed == 0 {
            return Ok(false);
        }
        let (user,): (String,) = tx
            .fetch_one(q("SELECT national_id FROM session WHERE token_hash = $1").bind(token_hash))
            .await?;
        let user = national_id(&user, "session.national_id")?;
        let actor = match person {
            Some(_) => Actor::Representative(user.clone()),
            None => Actor::Patient(user.clone()),
        };
        let entry = Entry {
            at: now,
            actor: &actor,
            action: AuditAction::ActingFor,
            clinic_id: None,
            patient: Some(person.unwrap_or(&user)),
            subject: "session".into(),
        };
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
