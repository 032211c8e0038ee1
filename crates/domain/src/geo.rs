//! Positions and distances on the sphere, as the API promises (haversine).

use serde::{Deserialize, Serialize};

/// Mean Earth radius in km (IUGG), the usual value for haversine distances.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A WGS 84 point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
}

impl Position {
    /// Builds a position when the values are real coordinates.
    pub fn new(lat: f64, lon: f64) -> Option<Self> {
        let ok = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
        ok.then_some(Self { lat, lon })
    }

    /// Great-circle distance in km.
    pub fn distance_km(&self, other: &Position) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }

    /// A latitude/longitude box that contains every point within `km`; lets
    /// storage pre-filter with plain comparisons before the exact distance.
    pub fn bounding_box(&self, km: f64) -> (f64, f64, f64, f64) {
        let dlat = (km / EARTH_RADIUS_KM).to_degrees();
        let cos = self.lat.to_radians().cos().abs().max(0.01);
        let dlon = (km / (EARTH_RADIUS_KM * cos)).to_degrees().min(180.0);
        (self.lat - dlat, self.lat + dlat, self.lon - dlon, self.lon + dlon)
    }

    /// Mean of several points: how a whole city (Paris, Lyon, Marseille) is
    /// placed from its arrondissements.
    pub fn centroid(points: &[Position]) -> Option<Position> {
        if points.is_empty() {
            return None;
        }
        let n = points.len() as f64;
        let lat = points.iter().map(|p| p.lat).sum::<f64>() / n;
        let lon = points.iter().map(|p| p.lon).sum::<f64>() / n;
        Position::new(lat, lon)
    }
}

/// Rounds a distance to the one decimal of the API.
pub fn round_km(km: f64) -> f64 {
    (km * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_to_lyon_is_about_392_km() {
        let paris = Position::new(48.8566, 2.3522).unwrap();
        let lyon = Position::new(45.7640, 4.8357).unwrap();
        let d = paris.distance_km(&lyon);
        assert!((d - 391.5).abs() < 2.0, "{d}");
        assert_eq!(paris.distance_km(&paris), 0.0);
    }

    #[test]
    fn rejects_impossible_coordinates() {
        assert!(Position::new(91.0, 0.0).is_none());
        assert!(Position::new(0.0, f64::NAN).is_none());
    }

    #[test]
    fn bounding_box_contains_the_circle() {
        let p = Position::new(45.76, 4.83).unwrap();
        let (la0, la1, lo0, lo1) = p.bounding_box(30.0);
        for q in [Position::new(la0 + 0.001, p.lon).unwrap(), Position::new(p.lat, lo1 - 0.001).unwrap()] {
            assert!(p.distance_km(&q) <= 30.01);
        }
        assert!(la0 < la1 && lo0 < lo1);
    }

    #[test]
    fn rounds_to_one_decimal() {
        assert_eq!(round_km(1.26), 1.3);
        assert_eq!(round_km(0.04), 0.0);
    }
}
