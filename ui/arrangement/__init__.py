"""The arrangement overview: tracks x bars, where notes are, and the region selection."""

from ui.arrangement.overview import ArrangementOverview, BarSummary, BarSummaryCache, OverviewGeometry, summarize_bar

__all__ = ["ArrangementOverview", "BarSummary", "BarSummaryCache", "OverviewGeometry", "summarize_bar"]
