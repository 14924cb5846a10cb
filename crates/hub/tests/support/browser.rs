//! A browser without JavaScript, for the web apps' tests (the portal's, the console's):
//! raw HTTP/1.1 exchanges with exactly the headers given, a cookie jar, and forms sent as
//! a browser sends them.

#![allow(
    dead_code,
    reason = "each web app's tests use a different part of the browser"
)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::support::Hub;

/// An HTML answer.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) headers: String,
    pub(crate) body: Vec<u8>,
}

impl Page {
    pub(crate) fn html(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    pub(crate) fn set_cookies(&self) -> Vec<String> {
        self.headers
            .lines()
            .filter_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case("set-cookie")
                    .then(|| v.trim().to_owned())
            })
            .collect()
    }

    pub(crate) fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }

    /// The value of the first hidden input `name`.
    pub(crate) fn hidden(&self, name: &str) -> String {
        let html = self.html();
        let marker = format!("name=\"{name}\" value=\"");
        let start = html
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} in the page: {html}"))
            + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    }

    pub(crate) fn title(&self) -> String {
        let html = self.html();
        let start = html.find("<title>").map_or(0, |i| i + 7);
        let end = html.find("</title>").unwrap_or(start);
        html[start..end].to_owned()
    }

    #[track_caller]
    pub(crate) fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected answer {}: {}",
            self.status,
            self.html().chars().take(3000).collect::<String>()
        );
        self
    }

    #[track_caller]
    pub(crate) fn redirects_to(&self, to: &str) -> &Self {
        assert_eq!(
            self.status,
            303,
            "expected a redirect to {to}: {}",
            self.html()
        );
        assert!(
            self.location().starts_with(to),
            "redirect to {} not {to}",
            self.location()
        );
        self
    }

    #[track_caller]
    pub(crate) fn says(&self, words: &str) -> &Self {
        assert!(
            self.html().contains(words),
            "the page does not say {words:?}: {}",
            self.html()
        );
        self
    }
}

pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// One HTTP/1.1 exchange with exactly the headers given.
pub(crate) async fn exchange(addr: SocketAddr, head: String, body: Vec<u8>) -> Page {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // Write while reading: the hub may answer (413) before it has read a large body.
    let write = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        let _ = writer.flush().await;
        writer
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), reader.read_to_end(&mut raw)).await;
    write.abort();
    assert!(read.is_ok(), "no answer within 60 s");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("not HTTP: {}", String::from_utf8_lossy(&raw)));
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Page {
        status,
        headers,
        body,
    }
}

pub(crate) fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..end]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
}

/// A browser: keeps its cookies, sends forms as a browser does.
#[derive(Debug, Clone)]
pub(crate) struct Browser {
    pub(crate) addr: SocketAddr,
    pub(crate) host: String,
    pub(crate) cookies: BTreeMap<String, String>,
    /// Extra headers on every request (a laptop's bearer token, a proxy's headers).
    pub(crate) extra: Vec<(String, String)>,
}

impl Browser {
    pub(crate) fn new(hub: &Hub) -> Self {
        Self {
            addr: hub.addr,
            host: hub.addr.to_string(),
            cookies: BTreeMap::new(),
            extra: Vec::new(),
        }
    }

    pub(crate) fn with_bearer(hub: &Hub, token: &str) -> Self {
        let mut b = Self::new(hub);
        b.extra
            .push(("Authorization".into(), format!("Bearer {token}")));
        b
    }

    pub(crate) async fn send(
        &mut self,
        method: &str,
        path: &str,
        kind: Option<&str>,
        body: Vec<u8>,
    ) -> Page {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.host
        );
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            head.push_str(&format!("Cookie: {}\r\n", jar.join("; ")));
        }
        for (name, value) in &self.extra {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(kind) = kind {
            head.push_str(&format!("Content-Type: {kind}\r\n"));
        }
        if method != "GET" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let page = exchange(self.addr, head, body).await;
        for cookie in page.set_cookies() {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None, Vec::new()).await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect();
        self.send(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            body.join("&").into_bytes(),
        )
        .await
    }

    pub(crate) async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Page {
        let boundary = "----doorstep-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let (filename, kind, bytes) = file.unwrap_or(("", "application/octet-stream", &[]));
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{filename}\"\r\nContent-Type: {kind}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            "POST",
            path,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await
    }
}
