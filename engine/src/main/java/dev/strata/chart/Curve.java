package dev.strata.chart;

/**
 * One series of a chart: a model pair's (or one model's) points.
 *
 * @param control whether the series involves an untrained control: drawn muted, in one legend group
 */
public record Curve(String label, double[] x, double[] y, boolean control) {}
