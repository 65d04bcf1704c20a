# charts.gnuplot -- PNG charts of a bench run, drawn from the *.dat files
# that bench/bench writes next to results.csv.
#
#   gnuplot -e "dir='bench/results'; sizes='10 100'; ops='get full_scan'" \
#           bench/charts.gnuplot
#
# dir    the results directory (input and output)
# sizes  the sizes measured, as in the names times_<size>.dat
# ops    the operations measured, as in the names scaling_<op>.dat
#
# Each .dat file starts with a header line naming its columns; a column is
# drawn in the colour of its implementation, the same in every chart.
#
# Output, in dir:
#   bars_<size>.png          per operation, each implementation's time (log)
#   ratio_native_<size>.png  per operation, time / native_wal's (log, 1 = par)
#   overhead_raw_<size>.png  per operation, time / lmdb_raw's (log, 1 = floor)
#   scaling.png              per operation, time against rows, log-log

set terminal pngcairo size 1400,700 font ",10" noenhanced
set datafile missing "NaN"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top vertical
set xtics rotate by -30 scale 0
set grid ytics mytics
set logscale y

# One colour per implementation, whatever columns a file has.
impls = "lmdb_raw capi capi_bulk sql_lmdb sql_lmdb_txn native_wal native_wal_txn native_journal"
set linetype 1 lc rgb "#1b9e77" lw 2
set linetype 2 lc rgb "#d95f02" lw 2
set linetype 3 lc rgb "#fdae61" lw 2
set linetype 4 lc rgb "#7570b3" lw 2
set linetype 5 lc rgb "#bcb6e8" lw 2
set linetype 6 lc rgb "#e7298a" lw 2
set linetype 7 lc rgb "#f4a6cc" lw 2
set linetype 8 lc rgb "#66a61e" lw 2
colour(name) = sum [k=1:words(impls)] (word(impls, k) eq name ? k : 0)
header(f) = system(sprintf("head -n 1 '%s'", f))

do for [s in sizes] {
  set output sprintf("%s/bars_%s.png", dir, s)
  set title sprintf("Time per unit of work, %s rows (median; lower is better)", s)
  set ylabel "nanoseconds per unit (log scale)"
  unset arrow
  f = sprintf("%s/times_%s.dat", dir, s)
  h = header(f)
  plot for [i=2:words(h)] f using i:xtic(1) title columnheader(i) lt colour(word(h, i))

  set output sprintf("%s/ratio_native_%s.png", dir, s)
  set title sprintf("Time relative to native SQLite (WAL; _txn columns to native_wal_txn), %s rows; below 1 = faster", s)
  set ylabel "time / native_wal time (log scale)"
  set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black" front
  f = sprintf("%s/ratio_native_%s.dat", dir, s)
  h = header(f)
  plot for [i=2:words(h)] f using i:xtic(1) title columnheader(i) lt colour(word(h, i))

  set output sprintf("%s/overhead_raw_%s.png", dir, s)
  set title sprintf("Overhead over raw LMDB written by hand, %s rows; 1 = the floor", s)
  set ylabel "time / lmdb_raw time (log scale)"
  f = sprintf("%s/ratio_raw_%s.dat", dir, s)
  h = header(f)
  plot for [i=2:words(h)] f using i:xtic(1) title columnheader(i) lt colour(word(h, i))
  unset arrow
}

# Scaling: one panel per operation, time per unit against rows, log-log;
# the legend gets a panel of its own (the colours are the same everywhere).
n = words(ops)
cols = 4
rows = int((n + 1 + cols - 1) / cols)
set terminal pngcairo size 1600,(380 * rows) font ",9" noenhanced
set output sprintf("%s/scaling.png", dir)
set style data linespoints
set logscale xy
set xtics rotate by 0 scale 1
set format x "%.0s%c"
unset key
set grid xtics ytics
set xlabel "rows"
set ylabel "ns per unit"
set multiplot layout rows, cols title "Scaling from the smallest to the largest size (median time per unit, log-log)"
do for [op in ops] {
  set title op
  f = sprintf("%s/scaling_%s.dat", dir, op)
  h = header(f)
  plot for [i=2:words(h)] f using 1:i title columnheader(i) lt colour(word(h, i)) pt 7 ps 0.8
}
unset title
unset xlabel
unset ylabel
unset logscale
unset border
unset tics
unset grid
set key center center vertical font ",11" samplen 3 spacing 1.5
set xrange [0:1]
set yrange [0:1]
plot for [k=1:words(impls)] NaN title word(impls, k) lt k lw 3
unset multiplot
