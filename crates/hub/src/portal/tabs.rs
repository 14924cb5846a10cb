//! A list shown by status tabs, 25 rows a page (a firm's work orders, an agency's
//! referrals): which tab and page a request asks for, the tabs with their counts, and the
//! caption and the previous and next links of the page shown.

use std::collections::HashMap;

use super::pages::StatusTab;

/// Rows on one page of a list.
pub const PAGE_SIZE: i64 = 25;

/// One list: its address, and its statuses as tabs (as stored, and in words).
#[derive(Debug, Clone, Copy)]
pub struct TabbedList<'a> {
    /// Where the list is, e.g. `/portal/orders`.
    pub base: &'a str,
    /// The tabs after "All", in order: `(stored status, words)`.
    pub tabs: &'a [(&'a str, &'a str)],
    /// What the rows are called, e.g. "work orders".
    pub rows: &'a str,
}

/// The tab (a stored status, or none for All) and the page a request asks for; anything
/// unknown is the first page of All.
pub fn asked_for<'a>(
    list: &TabbedList<'a>,
    status: Option<&str>,
    page: Option<&str>,
) -> (Option<&'a str>, i64) {
    let status = status.and_then(|s| list.tabs.iter().find(|(t, _)| *t == s).map(|(t, _)| *t));
    let page = page
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    (status, page)
}

/// The address of one page of one tab.
pub fn href(base: &str, status: Option<&str>, page: i64) -> String {
    match (status, page) {
        (None, 1) => base.to_owned(),
        (None, p) => format!("{base}?page={p}"),
        (Some(s), 1) => format!("{base}?status={s}"),
        (Some(s), p) => format!("{base}?status={s}&page={p}"),
    }
}

/// What a page of the list shows around its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The tabs, All first, with their counts.
    pub tabs: Vec<StatusTab>,
    /// The table's caption, e.g. "New work orders, page 2 of 7".
    pub caption: String,
    /// The previous page's address.
    pub previous: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
}

/// The tabs, caption and links for page `page` of tab `status`, from the count of rows in
/// each stored status (statuses that are no tab are not counted).
pub fn shown(
    list: &TabbedList<'_>,
    counts: &HashMap<String, i64>,
    status: Option<&str>,
    page: i64,
) -> Shown {
    let count_of = |s: &str| counts.get(s).copied().unwrap_or(0);
    let total: i64 = list.tabs.iter().map(|(s, _)| count_of(s)).sum();
    let mut tabs = vec![StatusTab {
        label: "All".into(),
        href: href(list.base, None, 1),
        count: total,
        current: status.is_none(),
    }];
    tabs.extend(list.tabs.iter().map(|(s, words)| StatusTab {
        label: (*words).to_owned(),
        href: href(list.base, Some(s), 1),
        count: count_of(s),
        current: status == Some(*s),
    }));
    let rows_shown = status.map_or(total, count_of);
    let which = status
        .and_then(|s| list.tabs.iter().find(|(t, _)| *t == s))
        .map_or("All", |(_, words)| words);
    let pages = (rows_shown + PAGE_SIZE - 1) / PAGE_SIZE;
    let caption = if pages > 1 {
        format!("{which} {}, page {page} of {pages}", list.rows)
    } else {
        format!("{which} {}", list.rows)
    };
    Shown {
        tabs,
        caption,
        previous: (page > 1).then(|| href(list.base, status, page - 1)),
        next: (page * PAGE_SIZE < rows_shown).then(|| href(list.base, status, page + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: TabbedList<'static> = TabbedList {
        base: "/portal/things",
        tabs: &[("new", "New"), ("done", "Done")],
        rows: "things",
    };

    #[test]
    fn tabs_count_and_pages_link() {
        let counts = HashMap::from([
            ("new".to_owned(), 60),
            ("done".to_owned(), 3),
            ("draft".to_owned(), 9),
        ]);
        let s = shown(&LIST, &counts, Some("new"), 2);
        assert_eq!(
            s.tabs.iter().map(|t| t.count).collect::<Vec<_>>(),
            [63, 60, 3]
        );
        assert_eq!(s.caption, "New things, page 2 of 3");
        assert_eq!(s.previous.as_deref(), Some("/portal/things?status=new"));
        assert_eq!(s.next.as_deref(), Some("/portal/things?status=new&page=3"));
        assert_eq!(
            shown(&LIST, &counts, None, 1).caption,
            "All things, page 1 of 3"
        );
        assert_eq!(
            asked_for(&LIST, Some("draft"), Some("0")),
            (None, 1),
            "no such tab, no such page"
        );
        assert_eq!(asked_for(&LIST, Some("done"), Some("4")), (Some("done"), 4));
    }
}
