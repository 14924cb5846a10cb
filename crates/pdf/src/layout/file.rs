//! The finished file: footers added, fonts cut down to the characters used, the logo attached
//! already compressed, and the language and dates printpdf leaves out.

use printpdf::{Mm, PdfFont, PdfPage, PdfSaveOptions, XObjectId};

use crate::PdfError;
use crate::branding::PreparedLogo;

use super::Layout;

impl Layout<'_> {
    /// Adds the footer to every page, builds the PDF and returns its bytes.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        let total = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        let mut built = Vec::with_capacity(total);
        for (i, ops) in pages.into_iter().enumerate() {
            self.pages = vec![ops];
            self.footer(i + 1, total);
            let ops = self.pages.pop().unwrap_or_default();
            built.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
        }
        self.doc.with_pages(built);
        let regular = PdfFont::new(self.fonts.regular.subset(&self.used_regular));
        let bold = PdfFont::new(self.fonts.bold.subset(&self.used_bold));
        self.doc
            .resources
            .fonts
            .map
            .insert(self.regular.clone(), regular);
        self.doc.resources.fonts.map.insert(self.bold.clone(), bold);
        let mut warnings = Vec::new();
        // No images go through printpdf: the logo is added, already compressed, below.
        let options = PdfSaveOptions {
            image_optimization: None,
            ..PdfSaveOptions::default()
        };
        let mut pdf = self.doc.to_lopdf_document(&options, &mut warnings);
        for warning in &warnings {
            tracing::trace!(?warning, "printpdf");
        }
        set_language_and_dates(&mut pdf)?;
        if let (Some(placed), Some(logo)) = (&self.logo, self.branding.logo()) {
            attach_logo(&mut pdf, &placed.id, logo)?;
        }
        pdf.compress();
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes)
            .map_err(|e| PdfError::Serialize(e.to_string()))?;
        Ok(bytes)
    }
}

/// Adds the logo's image objects (already compressed) and names them in the pages'
/// XObject resources, so the `Do` operator drawn on page 1 finds them.
fn attach_logo(
    pdf: &mut lopdf::Document,
    id: &XObjectId,
    logo: &PreparedLogo,
) -> Result<(), PdfError> {
    use lopdf::{Dictionary, Object, Stream};
    let image_dict = |colour_space: &str| {
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Image".to_vec())),
            ("Width", Object::Integer(i64::from(logo.width))),
            ("Height", Object::Integer(i64::from(logo.height))),
            ("ColorSpace", Object::Name(colour_space.as_bytes().to_vec())),
            ("BitsPerComponent", Object::Integer(8)),
            ("Filter", Object::Name(b"FlateDecode".to_vec())),
        ])
    };
    let mut rgb = image_dict("DeviceRGB");
    if let Some(alpha) = &logo.alpha {
        let mut mask = Stream::new(image_dict("DeviceGray"), alpha.clone());
        mask.allows_compression = false;
        rgb.set("SMask", Object::Reference(pdf.add_object(mask)));
    }
    let mut image = Stream::new(rgb, logo.rgb.clone());
    image.allows_compression = false;
    let image_id = pdf.add_object(image);
    let serialize = |e: lopdf::Error| PdfError::Serialize(format!("cannot place the logo: {e}"));
    let xobject_dicts: Vec<lopdf::ObjectId> = pdf
        .get_pages()
        .values()
        .filter_map(|page| {
            let page = pdf.get_dictionary(*page).ok()?;
            let resources = pdf
                .get_dictionary(page.get(b"Resources").ok()?.as_reference().ok()?)
                .ok()?;
            resources.get(b"XObject").ok()?.as_reference().ok()
        })
        .collect();
    if xobject_dicts.is_empty() {
        return Err(PdfError::Serialize(
            "cannot place the logo: no XObject resources".to_owned(),
        ));
    }
    for dict_id in xobject_dicts {
        pdf.get_dictionary_mut(dict_id)
            .map_err(serialize)?
            .set(id.0.as_bytes(), Object::Reference(image_id));
    }
    Ok(())
}

/// Adds what printpdf does not: the document language (`/Lang en-GB`, read aloud correctly
/// by screen readers) and real creation and modification dates.
fn set_language_and_dates(pdf: &mut lopdf::Document) -> Result<(), PdfError> {
    use lopdf::{Object, StringFormat};
    let catalog = pdf
        .catalog_mut()
        .map_err(|e| PdfError::Serialize(e.to_string()))?;
    catalog.set(
        "Lang",
        Object::String(b"en-GB".to_vec(), StringFormat::Literal),
    );
    let info_id = pdf.trailer.get(b"Info").and_then(Object::as_reference).ok();
    if let Some(id) = info_id {
        let now = doorstep_core::clock::now()
            .format("D:%Y%m%d%H%M%SZ")
            .to_string()
            .into_bytes();
        if let Ok(info) = pdf.get_dictionary_mut(id) {
            info.set(
                "CreationDate",
                Object::String(now.clone(), StringFormat::Literal),
            );
            info.set("ModDate", Object::String(now, StringFormat::Literal));
            // printpdf writes a PDF/X version even when the document is not PDF/X.
            info.remove(b"GTS_PDFXVersion");
        }
    }
    Ok(())
}
