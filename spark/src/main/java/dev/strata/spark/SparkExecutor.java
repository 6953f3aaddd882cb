package dev.strata.spark;

import com.fasterxml.jackson.jr.ob.JSON;
import com.samskivert.mustache.Mustache;
import dev.strata.bindings.Llama;
import dev.strata.bindings.NativeException;
import dev.strata.corpus.Corpus;
import dev.strata.corpus.CorpusCopy;
import dev.strata.corpus.CorpusSource;
import dev.strata.plan.Executor;
import dev.strata.plan.ExecutorSettings;
import dev.strata.plan.StageProgress;
import dev.strata.plan.Task;
import dev.strata.plan.TaskResult;
import java.io.IOException;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import scala.Function2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Runs each stage of a study as one Spark job with one partition per task, so that Spark's scheduler places, retries
 * and (if asked) speculates every task on its own. Tasks write their outputs into the study's folder, which every
 * executor sees; a retried or duplicate task writes the same bytes, so whichever attempt finishes first counts.
 * Results come back to the driver as each task ends, in any order, and are returned in task order.
 */
final class SparkExecutor implements Executor {
    /** The Spark job group of a stage's job, which marks its tasks for {@link StageWatch}. */
    private static final String JOB_GROUP = "spark.jobGroup.id";
    /** The most rows of a layer one k-NN task takes. */
    static final int KNN_BLOCK_ROWS = 16_384;

    private final JavaSparkContext spark;
    private final String version;
    private final StageWatch watch = new StageWatch();
    private final AtomicInteger jobs = new AtomicInteger();

    private SparkExecutor(JavaSparkContext spark, String version) {
        this.spark = spark;
        this.version = version;
        spark.sc().addSparkListener(watch);
    }

    /**
     * Starts a Spark application at {@code master}. Settings come from Spark's usual places ({@code spark.*} system
     * properties, which {@code spark-submit --conf} and {@code -Dspark.x=y} set); strata adds only defaults.
     */
    static SparkExecutor open(String master, ExecutorSettings settings) {
        SparkConf conf = new SparkConf().setMaster(master)
                .setIfMissing("spark.app.name", "strata study")
                .setIfMissing("spark.ui.enabled", "false");
        // Executors load llama.cpp from the same folder as this process, unless the cluster says otherwise.
        try {
            conf.setIfMissing("spark.executorEnv.STRATA_NATIVE_DIR", Llama.defaultNativeDir().toString());
        } catch (NativeException noFolderHere) {
            // The workers' own STRATA_NATIVE_DIR or -Dstrata.native.dir has to say.
        }
        // A task's GPU address is nvidia-smi's index (gpu-discovery.sh), which follows the PCI bus; CUDA, and so
        // llama.cpp's list of GPUs, numbers them fastest first unless told to follow the bus as well.
        conf.setIfMissing("spark.executorEnv.CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        // llama.cpp's graph code needs more stack than a JVM thread's default, as in strata's own worker process.
        conf.set("spark.executor.extraJavaOptions",
                (conf.get("spark.executor.extraJavaOptions", "") + " -Xss4m -Djava.awt.headless=true").strip());
        JavaSparkContext spark = new JavaSparkContext(conf);
        if (!inThisJvm(master)) {
            for (String jar : strataJars()) spark.addJar(jar);
        }
        return new SparkExecutor(spark, settings.version());
    }

    @Override
    public <R extends TaskResult> List<R> run(String stage, List<? extends Task<R>> tasks,
            StageProgress<? super R> progress) throws IOException {
        if (tasks.isEmpty()) return List.of();
        List<Task<R>> list = List.copyOf(tasks);
        String group = "strata-" + jobs.incrementAndGet() + "-" + stage;
        Reporter<R> reporter = new Reporter<>(list.size(), progress);
        List<R> results = new ArrayList<>(Collections.nCopies(list.size(), null));
        @SuppressWarnings("unchecked")
        ClassTag<R> resultTag = (ClassTag<R>) (ClassTag<?>) ClassTag$.MODULE$.apply(TaskResult.class);
        Function2<Object, R, BoxedUnit> collect = (index, result) -> {
            results.set((Integer) index, result);
            reporter.finished((Integer) index, result);
            return BoxedUnit.UNIT;
        };
        watch.follow(group, reporter);
        spark.setJobGroup(group, stage + ": " + list.size() + " tasks", false);
        try {
            spark.sc().runJob(spark.parallelize(list, list.size()).rdd(), new RunTask<R>(version), collect, resultTag);
        } catch (Exception e) {
            throw failure(stage, e);
        } finally {
            spark.clearJobGroup();
            watch.follow(null, null);
        }
        return results;
    }

    /**
     * A copy in the study's folder: a task then carries its path and checksum, not every prompt (a corpus of a few
     * megabytes in every task made Spark warn about large tasks and send it again with each one). Also in local mode,
     * where Spark serializes the tasks just the same.
     */
    @Override
    public CorpusSource corpusForTasks(Corpus corpus, Path studyFolder) throws IOException {
        return CorpusCopy.write(corpus, studyFolder);
    }

    /**
     * Layers of more than {@value #KNN_BLOCK_ROWS} prompts go out in blocks of that many rows: at n = 100,000 and
     * D = 4096 (a whole layer: 400 s on 2 cores) that is seven tasks a layer instead of one.
     */
    @Override
    public int knnBlockRows() {
        return KNN_BLOCK_ROWS;
    }

    @Override
    public void close() {
        spark.close();
        if (inThisJvm(spark.master())) ExecutorJvm.release();
    }

    /** Whether tasks run in this JVM (local mode), which has every class and llama.cpp's folder already. */
    private static boolean inThisJvm(String master) {
        return master.equals("local") || master.startsWith("local[");
    }

    /**
     * The failed task's own report (its description, executor, host and error) when Spark kept it, otherwise the
     * first line of Spark's (a lost executor, say, that took every attempt with it).
     */
    private static IOException failure(String stage, Exception sparkFailure) {
        for (Throwable t = sparkFailure; t != null; t = t.getCause()) {
            if (t instanceof TaskFailedException failed) return new IOException(failed.getMessage(), failed.getCause());
        }
        String message = String.valueOf(sparkFailure.getMessage()).lines().findFirst().orElse("");
        return new IOException("the " + stage + " stage failed on Spark: " + message, sparkFailure);
    }

    /** The jars a task needs on an executor that has only Spark's: strata's and the few libraries the engine uses. */
    private static Set<String> strataJars() {
        Set<String> jars = new LinkedHashSet<>();
        for (Class<?> type : List.of(SparkExecutor.class, Task.class, Llama.class, JSON.class, Mustache.class)) {
            try {
                Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (location.toString().endsWith(".jar")) jars.add(location.toString());
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("cannot find the jar of " + type.getName(), e);
            }
        }
        return jars;
    }

    /** Runs the one task of a partition on an executor, with what that executor JVM provides. */
    private static final class RunTask<R extends TaskResult>
            extends AbstractFunction2<TaskContext, Iterator<Task<R>>, R> implements Serializable {
        private final String version;

        RunTask(String version) {
            this.version = version;
        }

        @Override
        public R apply(TaskContext spark, Iterator<Task<R>> partition) {
            Task<R> task = partition.next();
            try {
                return task.run(new SparkTaskContext(spark, ExecutorJvm.extraction(version)));
            } catch (IOException | RuntimeException e) {
                SparkEnv env = SparkEnv.get();
                throw new TaskFailedException(task.describe() + " failed on executor " + env.executorId() + " ("
                        + env.blockManager().blockManagerId().host() + "): " + e.getMessage(), e);
            }
        }
    }

    /** A task's failure as the driver reports it: what the task was, where it ran, and its error. */
    static final class TaskFailedException extends RuntimeException {
        TaskFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Passes a stage's progress on, one call at a time, each task's start before its end. */
    private static final class Reporter<R extends TaskResult> {
        private final boolean[] started;
        private final StageProgress<? super R> progress;

        Reporter(int tasks, StageProgress<? super R> progress) {
            this.started = new boolean[tasks];
            this.progress = progress;
        }

        synchronized void started(int task) {
            if (started[task]) return; // a retry or a speculative copy
            started[task] = true;
            progress.started(task);
        }

        synchronized void finished(int task, R result) {
            started(task);
            progress.finished(task, result);
        }
    }

    /** Tells the running stage's {@link Reporter} when Spark starts one of its tasks. */
    private static final class StageWatch extends SparkListener {
        private String group;
        private Reporter<?> reporter;
        private final Set<Integer> stages = new HashSet<>();

        synchronized void follow(String group, Reporter<?> reporter) {
            this.group = group;
            this.reporter = reporter;
            stages.clear();
        }

        @Override
        public synchronized void onJobStart(SparkListenerJobStart job) {
            if (group != null && job.properties() != null && group.equals(job.properties().getProperty(JOB_GROUP))) {
                for (Object stage : CollectionConverters.asJava(job.stageIds())) {
                    stages.add((Integer) stage);
                }
            }
        }

        @Override
        public synchronized void onTaskStart(SparkListenerTaskStart task) {
            if (reporter != null && stages.contains(task.stageId())) reporter.started(task.taskInfo().index());
        }
    }
}
