//! Where homes are, in metres: converting GPS latitude/longitude (WGS84) to the
//! British National Grid (OSGB36), so distances between homes are simple arithmetic.
//!
//! The transform is the Ordnance Survey's published method: a seven-parameter Helmert
//! shift from WGS84 to OSGB36, then the Transverse Mercator projection on the Airy 1830
//! ellipsoid. It is good to a few metres across Great Britain, far finer than the
//! 200 m cocoon radius it serves.

use crate::household::Coordinates;

/// A point on the British National Grid, in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridPoint {
    /// Metres east of the grid's false origin.
    pub easting: f64,
    /// Metres north of the grid's false origin.
    pub northing: f64,
}

impl GridPoint {
    /// Straight-line distance in metres (the grid is flat to within 0.04% across GB).
    pub fn distance_to(&self, other: &GridPoint) -> f64 {
        (self.easting - other.easting).hypot(self.northing - other.northing)
    }
}

/// Any stored coordinates as a grid point.
pub fn to_grid(c: Coordinates) -> GridPoint {
    match c {
        Coordinates::Grid { easting, northing } => GridPoint { easting, northing },
        Coordinates::LatLong {
            latitude,
            longitude,
        } => wgs84_to_grid(latitude, longitude),
    }
}

struct Ellipsoid {
    a: f64,
    b: f64,
}

const WGS84: Ellipsoid = Ellipsoid {
    a: 6_378_137.000,
    b: 6_356_752.314_245,
};
const AIRY1830: Ellipsoid = Ellipsoid {
    a: 6_377_563.396,
    b: 6_356_256.909,
};

fn to_cartesian(lat: f64, lon: f64, e: &Ellipsoid) -> (f64, f64, f64) {
    let e2 = 1.0 - (e.b * e.b) / (e.a * e.a);
    let nu = e.a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    (
        nu * lat.cos() * lon.cos(),
        nu * lat.cos() * lon.sin(),
        (1.0 - e2) * nu * lat.sin(),
    )
}

fn to_geodetic(x: f64, y: f64, z: f64, e: &Ellipsoid) -> (f64, f64) {
    let e2 = 1.0 - (e.b * e.b) / (e.a * e.a);
    let p = x.hypot(y);
    let mut lat = z.atan2(p * (1.0 - e2));
    for _ in 0..10 {
        let nu = e.a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        lat = (z + e2 * nu * lat.sin()).atan2(p);
    }
    (lat, y.atan2(x))
}

/// WGS84 degrees to OSGB36 grid metres.
pub fn wgs84_to_grid(latitude: f64, longitude: f64) -> GridPoint {
    // Helmert WGS84 -> OSGB36 (Ordnance Survey, "A guide to coordinate systems in GB").
    let (tx, ty, tz) = (-446.448, 125.157, -542.060);
    let s = 20.4894e-6;
    let arcsec = std::f64::consts::PI / (180.0 * 3600.0);
    let (rx, ry, rz) = (-0.1502 * arcsec, -0.2470 * arcsec, -0.8421 * arcsec);
    let (x1, y1, z1) = to_cartesian(latitude.to_radians(), longitude.to_radians(), &WGS84);
    let x2 = tx + (1.0 + s) * x1 - rz * y1 + ry * z1;
    let y2 = ty + rz * x1 + (1.0 + s) * y1 - rx * z1;
    let z2 = tz - ry * x1 + rx * y1 + (1.0 + s) * z1;
    let (lat, lon) = to_geodetic(x2, y2, z2, &AIRY1830);
    osgb36_to_grid(lat, lon)
}

/// OSGB36 latitude/longitude (radians) to grid metres: Transverse Mercator on Airy 1830.
fn osgb36_to_grid(lat: f64, lon: f64) -> GridPoint {
    let (a, b) = (AIRY1830.a, AIRY1830.b);
    let f0 = 0.999_601_271_7;
    let (lat0, lon0) = (49f64.to_radians(), (-2f64).to_radians());
    let (n0, e0) = (-100_000.0, 400_000.0);
    let e2 = 1.0 - (b * b) / (a * a);
    let n = (a - b) / (a + b);
    let (sin, cos, tan) = (lat.sin(), lat.cos(), lat.tan());
    let nu = a * f0 / (1.0 - e2 * sin * sin).sqrt();
    let rho = a * f0 * (1.0 - e2) / (1.0 - e2 * sin * sin).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let (dl, sl) = (lat - lat0, lat + lat0);
    let m = b
        * f0
        * ((1.0 + n + 1.25 * n * n + 1.25 * n.powi(3)) * dl
            - (3.0 * n + 3.0 * n * n + 2.625 * n.powi(3)) * dl.sin() * sl.cos()
            + (1.875 * n * n + 1.875 * n.powi(3)) * (2.0 * dl).sin() * (2.0 * sl).cos()
            - (35.0 / 24.0) * n.powi(3) * (3.0 * dl).sin() * (3.0 * sl).cos());
    let i = m + n0;
    let ii = nu / 2.0 * sin * cos;
    let iii = nu / 24.0 * sin * cos.powi(3) * (5.0 - tan * tan + 9.0 * eta2);
    let iiia = nu / 720.0 * sin * cos.powi(5) * (61.0 - 58.0 * tan * tan + tan.powi(4));
    let iv = nu * cos;
    let v = nu / 6.0 * cos.powi(3) * (nu / rho - tan * tan);
    let vi = nu / 120.0
        * cos.powi(5)
        * (5.0 - 18.0 * tan * tan + tan.powi(4) + 14.0 * eta2 - 58.0 * tan * tan * eta2);
    let dlon = lon - lon0;
    GridPoint {
        northing: i + ii * dlon.powi(2) + iii * dlon.powi(4) + iiia * dlon.powi(6),
        easting: e0 + iv * dlon + v * dlon.powi(3) + vi * dlon.powi(5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        (d + m / 60.0 + s / 3600.0).to_radians()
    }

    #[test]
    fn projection_matches_the_ordnance_survey_worked_example() {
        // OS "A guide to coordinate systems in Great Britain", annex C worked example.
        let p = osgb36_to_grid(dms(52.0, 39.0, 27.2531), dms(1.0, 43.0, 4.5177));
        assert!(
            (p.easting - 651_409.903).abs() < 0.01,
            "easting {}",
            p.easting
        );
        assert!(
            (p.northing - 313_177.270).abs() < 0.01,
            "northing {}",
            p.northing
        );
    }

    #[test]
    fn a_gps_point_lands_near_its_known_grid_reference() {
        // Mansfield Market Place: about 53.1434 N, 1.1965 W; grid about SK 537 611.
        let p = wgs84_to_grid(53.1434, -1.1965);
        assert!(
            (p.easting - 453_700.0).abs() < 300.0,
            "easting {}",
            p.easting
        );
        assert!(
            (p.northing - 361_100.0).abs() < 300.0,
            "northing {}",
            p.northing
        );
    }

    fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
        let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
        let dp = p2 - p1;
        let dl = (lon2 - lon1).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    }

    proptest! {
        #[test]
        fn grid_distances_agree_with_great_circle_distances(
            lat in 50.0f64..58.5, lon in -5.5f64..1.5, dlat in -0.004f64..0.004, dlon in -0.006f64..0.006,
        ) {
            let d_grid = wgs84_to_grid(lat, lon).distance_to(&wgs84_to_grid(lat + dlat, lon + dlon));
            let d_true = haversine(lat, lon, lat + dlat, lon + dlon);
            // Within 1 m plus 0.5%: the grid's scale error is under 0.1% in GB, but this
            // reference is a sphere, whose east-west radius is up to 0.4% off the ellipsoid's.
            prop_assert!((d_grid - d_true).abs() <= 1.0 + d_true * 0.005, "grid {d_grid} true {d_true}");
        }
    }
}
