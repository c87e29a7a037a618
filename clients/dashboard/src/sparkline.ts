/** Sparkline geometry: recent mids → an SVG `points` list scaled into a width × height box. */

/** Sparkline box in SVG user units; the cell's CSS decides the rendered size. */
const SPARK_WIDTH = 80;
const SPARK_HEIGHT = 24;

/**
 * Scales `values` to fill the box, newest on the right; a flat series draws a centred line.
 * One pixel of padding keeps the stroke inside the box.
 */
export function sparklinePoints(
  values: readonly number[],
  width = SPARK_WIDTH,
  height = SPARK_HEIGHT,
): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min;
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  return values
    .map((value, index) => {
      const x = 1 + index * step;
      const y = span === 0 ? height / 2 : 1 + (1 - (value - min) / span) * (height - 2);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}
