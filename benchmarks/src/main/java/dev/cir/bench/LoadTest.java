package dev.cir.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.solr.client.solrj.SolrClient;
import org.apache.solr.client.solrj.impl.Http2SolrClient;
import org.apache.solr.client.solrj.response.QueryResponse;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.params.ModifiableSolrParams;

/**
 * Concurrent clients sending {@code {!cir ref=RANDOM topK=10}caption} to a running Solr for a
 * fixed time: errors, latency percentiles, throughput, and the resident memory of the Solr process
 * sampled every second (flat memory under steady load is the check for native leaks). With {@code
 * newCaptions} every caption is one nobody sent before (a number no other query has ends it), so
 * every query runs the text tower; otherwise a third of them are single repeated words, as real
 * traffic repeats, and the text cache answers those.
 */
public final class LoadTest {
  public record Settings(String solr, String collection, int clients, int seconds, long pid, List<String> words, boolean newCaptions) {}

  /**
   * One run's figures; {@code rssKb} has one sample a second, {@code latencies} every answered
   * query's milliseconds, sorted.
   */
  public record Result(
      int clients, double seconds, long queries, List<String> errors, double p50, double p99, List<Long> rssKb, List<Double> latencies) {
    double queriesPerSecond() {
      return queries / seconds;
    }

    /** Runs of the same client count taken as one: their seconds and queries added, percentiles over all their queries. */
    static Result merge(List<Result> parts) {
      if (parts.isEmpty()) {
        throw new IllegalArgumentException("nothing to merge");
      }
      double seconds = 0;
      long queries = 0;
      List<String> errors = new ArrayList<>();
      List<Long> rss = new ArrayList<>();
      List<Double> all = new ArrayList<>();
      for (Result r : parts) {
        if (r.clients != parts.get(0).clients) {
          throw new IllegalArgumentException("runs of " + parts.get(0).clients + " and " + r.clients + " clients do not merge");
        }
        seconds += r.seconds;
        queries += r.queries;
        errors.addAll(r.errors);
        rss.addAll(r.rssKb);
        all.addAll(r.latencies);
      }
      Collections.sort(all);
      return new Result(parts.get(0).clients, seconds, queries, List.copyOf(errors), pct(all, 50), pct(all, 99), List.copyOf(rss), List.copyOf(all));
    }

    /** Mean resident memory over the first or last ten samples, in MiB, or "n/a". */
    String rss(boolean first) {
      if (rssKb.isEmpty() || rssKb.get(0) < 0) {
        return "n/a";
      }
      List<Long> w = first ? rssKb.subList(0, Math.min(10, rssKb.size())) : rssKb.subList(Math.max(0, rssKb.size() - 10), rssKb.size());
      return Long.toString(Math.round(w.stream().mapToLong(Long::longValue).average().orElse(0) / 1024));
    }
  }

  private final Settings s;
  private final Consumer<String> log;

  public LoadTest(Settings s, Consumer<String> log) {
    this.s = s;
    this.log = log;
  }

  public Result run() throws Exception {
    List<String> ids = new ArrayList<>();
    try (SolrClient client = new Http2SolrClient.Builder(s.solr()).build()) {
      ModifiableSolrParams p = new ModifiableSolrParams();
      p.set("q", "*:*");
      p.set("fl", "id");
      p.set("rows", 1000);
      for (SolrDocument d : client.query(s.collection(), p).getResults()) {
        ids.add((String) d.getFieldValue("id"));
      }
      if (ids.isEmpty()) {
        throw new IllegalStateException("collection '" + s.collection() + "' is empty; index some images first (cir index)");
      }
      ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      AtomicLong done = new AtomicLong();
      AtomicLong sent = new AtomicLong(System.nanoTime() % 50_000);
      long end = System.nanoTime() + s.seconds() * 1_000_000_000L;
      ExecutorService pool = Executors.newFixedThreadPool(s.clients());
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < s.clients(); c++) {
        SplittableRandom r = new SplittableRandom(c * 7919L + System.nanoTime());
        futures.add(
            pool.submit(
                () -> {
                  while (System.nanoTime() < end) {
                    ModifiableSolrParams q = new ModifiableSolrParams();
                    q.set("q", "{!cir ref=" + ids.get(r.nextInt(ids.size())) + " topK=10}" + text(r, sent));
                    q.set("fl", "id,score");
                    long a = System.nanoTime();
                    try {
                      QueryResponse rsp = client.query(s.collection(), q);
                      if (rsp.getStatus() != 0) {
                        errors.add("status " + rsp.getStatus());
                      }
                      latencies.add((System.nanoTime() - a) / 1e6);
                      done.incrementAndGet();
                    } catch (Exception e) {
                      errors.add(e.getMessage());
                    }
                  }
                  return null;
                }));
      }
      List<Long> rss = new ArrayList<>();
      long start = System.nanoTime();
      while (System.nanoTime() < end) {
        Thread.sleep(1000);
        long kb = rssKb(s.pid());
        rss.add(kb);
        log.accept(String.format(Locale.ROOT, "%3.0f s: %d queries, %d errors, RSS %s", (System.nanoTime() - start) / 1e9, done.get(), errors.size(),
            kb < 0 ? "n/a" : kb / 1024 + " MiB"));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();
      double seconds = (System.nanoTime() - start) / 1e9;
      List<Double> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      return new Result(s.clients(), seconds, sorted.size(), List.copyOf(errors), pct(sorted, 50), pct(sorted, 99), rss, List.copyOf(sorted));
    }
  }

  /** The report of one run as Markdown. */
  public static String markdown(Result r) {
    StringBuilder b = new StringBuilder();
    b.append("| clients | seconds | queries | errors | queries/s | p50 ms | p99 ms | RSS first 10 s MiB | RSS last 10 s MiB |\n");
    b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    b.append(String.format(Locale.ROOT, "| %d | %.0f | %d | %d | %.1f | %.1f | %.1f | %s | %s |%n", r.clients(), r.seconds(), r.queries(),
        r.errors().size(), r.queriesPerSecond(), r.p50(), r.p99(), r.rss(true), r.rss(false)));
    if (!r.errors().isEmpty()) {
      b.append("\nfirst errors: ").append(r.errors().stream().limit(5).toList()).append('\n');
    }
    return b.toString();
  }

  private String text(SplittableRandom r, AtomicLong sent) {
    if (s.newCaptions()) {
      // a number no other query of this run ends with: nothing can answer it from a cache
      return SolrBenchmark.caption(s.words(), r) + " " + (sent.getAndIncrement() % 100_000);
    }
    return r.nextInt(3) == 0 ? s.words().get(r.nextInt(s.words().size())) : caption(r);
  }

  private String caption(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int n = 2 + r.nextInt(8);
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : " ").append(s.words().get(r.nextInt(s.words().size())));
    }
    return b.toString();
  }

  static double pct(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  static long rssKb(long pid) {
    if (pid <= 0) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
