//! The notification email: it says only that a new referral is waiting for the agency in
//! Doorstep and where to open it. No name, address, health detail, reason or urgency is
//! ever in its subject or text; the link names the referral by its random id. The form
//! (with the resident's details) goes as an attachment only to a mailbox the directory
//! says is secure.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// Why an email could not be put together (a bad address in the outbox or the settings).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// The agency's address does not parse.
    #[error("the agency's notify address is not a valid email address")]
    BadRecipient,
    /// The settings' sender does not parse.
    #[error("the sender address in [mail] is not a valid email address")]
    BadSender,
    /// lettre refused the message.
    #[error("the email could not be built: {0}")]
    Build(String),
}

/// What goes into one notification email.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// The sender (`[mail] from`).
    pub from: &'a str,
    /// The agency's mailbox.
    pub to: &'a str,
    /// The agency's name, from the directory.
    pub agency: &'a str,
    /// The council's name.
    pub council: &'a str,
    /// The hub's public address, without a trailing `/`.
    pub public_url: &'a str,
    /// The referral's id.
    pub referral_id: &'a str,
    /// The form's PDF, only for a secure mailbox.
    pub form: Option<Vec<u8>>,
}

/// Where the agency opens the referral.
pub fn link(public_url: &str, referral_id: &str) -> String {
    format!(
        "{}/portal/referrals/{referral_id}",
        public_url.trim_end_matches('/')
    )
}

/// The subject: the agency's name, nothing about the person.
pub fn subject(agency: &str) -> String {
    format!("A new referral is waiting for {agency} in Doorstep")
}

/// The plain text: that a referral waits, and the link.
pub fn body(n: &Notice<'_>) -> String {
    let mut text = format!(
        "A new referral is waiting for {agency} in Doorstep.\n\
         \n\
         Open it here (you will be asked to sign in):\n\
         {link}\n\
         \n",
        agency = n.agency,
        link = link(n.public_url, n.referral_id),
    );
    if n.form.is_some() {
        text.push_str(
            "The referral form is attached. It holds personal information: keep it in your \
             secure mailbox and do not forward it.\n\n",
        );
    } else {
        text.push_str(
            "For the resident's privacy this email holds no details of the referral; \
             they are in Doorstep.\n\n",
        );
    }
    text.push_str(&format!(
        "Sent by {council} through Doorstep. Please do not reply to this email.\n",
        council = n.council
    ));
    text
}

/// The email, with the form attached as `referral.pdf` when there is one.
pub fn build(n: Notice<'_>) -> Result<Message, MessageError> {
    let from: Mailbox = n.from.parse().map_err(|_| MessageError::BadSender)?;
    let to: Mailbox = n.to.parse().map_err(|_| MessageError::BadRecipient)?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(subject(n.agency));
    let text = body(&n);
    let built = match n.form {
        None => builder.singlepart(SinglePart::plain(text)),
        Some(pdf) => {
            let pdf_type = ContentType::parse("application/pdf")
                .map_err(|e| MessageError::Build(e.to_string()))?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(text))
                    .singlepart(Attachment::new("referral.pdf".to_owned()).body(pdf, pdf_type)),
            )
        }
    };
    built.map_err(|e| MessageError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_holds_the_link_and_the_agency_only() {
        let notice = Notice {
            from: "Doorstep <doorstep@council.example>",
            to: "referrals@agency.example",
            agency: "Falls Service",
            council: "Northshire County Council",
            public_url: "https://hub.council.example/",
            referral_id: "0190c0de-0000-7000-8000-000000000001",
            form: None,
        };
        let text = body(&notice);
        assert!(text.contains(
            "https://hub.council.example/portal/referrals/0190c0de-0000-7000-8000-000000000001"
        ));
        assert!(text.contains("Falls Service"));
        let message = build(notice).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(!raw.contains("referral.pdf"));
    }

    #[test]
    fn a_bad_recipient_is_refused() {
        let notice = Notice {
            from: "doorstep@council.example",
            to: "not an address",
            agency: "A",
            council: "C",
            public_url: "https://hub.example",
            referral_id: "r",
            form: None,
        };
        assert_eq!(build(notice).unwrap_err(), MessageError::BadRecipient);
    }
}
