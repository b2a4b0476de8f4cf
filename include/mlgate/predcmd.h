/*
 * predcmd.h - a model as a subprocess: the predict command
 *
 *   model-test --command 'python3 predict.py' --label y test.csv
 *
 * The command is run ONCE, through /bin/sh -c (so quoting, pipes and
 * redirections work as in a shell). The feature rows of the test set are
 * written to its standard input and one prediction per row is read from
 * its standard output, in row order. Its standard error is our standard
 * error (the descriptor is inherited, nothing is captured). Input and
 * output are streamed at the same time (poll(2) over non-blocking pipes),
 * so a command that answers line by line and one that reads all of its
 * input before answering both work, whatever the size of the test set.
 *
 * Wire format, input (what the command reads):
 *   csv    (default) a header line of the feature names, then one line
 *          per row; fields separated by ',', lines ended by "\n"; a name
 *          or a text value holding ',', '"', CR or LF is quoted RFC 4180
 *          style ('"' as '""'). Numbers are printf's %.17g, so they read
 *          back exactly: "0.10000000000000001", "-2.5", "1e+300";
 *          infinities are "inf" and "-inf". Text values are written as
 *          they are. A missing value (NaN, or a text cell that is
 *          missing: infer.h) is an empty cell, as pandas and R read it;
 *          "" when it is the only column, so that the line is not blank.
 *   jsonl  one JSON object per row, keys in column order, no spaces:
 *          {"x0":0.10000000000000001,"x1":-2.5,"color":"red"}; a missing
 *          value is null; Infinity and -Infinity are written as those
 *          bare tokens (Python's json reads them).
 *   The input ends with the end of the file: the command's stdin is
 *   closed after the last row, or as soon as its stdout is closed (its
 *   answer is then complete; it may stop reading early).
 *
 * Wire format, output (what the command writes): exactly one line per
 * input row, ended by "\n" ("\r\n" and a missing "\n" after the last line
 * are accepted; spaces and tabs around a line are ignored). Every line
 * has the same shape as the first one, one of:
 *   a number        1, 0.25, -3e-2: a predicted label or a regression
 *                   value (strtod syntax; nan, NaN, inf, Infinity too)
 *   a JSON array    [0.2, 0.8]: k >= 2 class probabilities, classes in
 *                   sorted order (numbers as numbers: scikit-learn's
 *                   classes_ order, what predfile.h expects)
 *   a JSON object   {"pred": 1, "proba": [0.2, 0.8]}: either key or both,
 *                   no other key
 * NaN, Infinity and -Infinity are accepted inside JSON as in infer.h
 * (mlg_infer_fix_tokens()). There is no header line: "pred" or "proba"
 * as a first line is an error, like any other text. A line may not be
 * longer than MLG_PREDCMD_MAX_LINE bytes.
 *
 * Memory on our side is bounded apart from the results: one buffer of
 * input rows (64 KiB plus one row) and one of output (one line).
 *
 * SIGPIPE: when the command exits without reading all its input, our
 * writes fail with EPIPE. SIGPIPE is blocked in the calling thread while
 * the command runs and a SIGPIPE raised by our writes is discarded before
 * the old signal mask is restored, so mlgate is never killed by it; the
 * command starts with the signal mask the caller had and SIGPIPE at its
 * default action (even if the caller ignores it), as shell pipelines
 * expect.
 *
 * Not thread-safe in one respect: the child is reaped with waitpid() on
 * its own pid only, so a SIGCHLD handler that reaps every child elsewhere
 * in the process would break it (mlgate installs none).
 */
#ifndef MLGATE_PREDCMD_H
#define MLGATE_PREDCMD_H

#include <stddef.h>

struct mlg_infer_data;
struct mlg_infer_out;

/* The longest output line accepted, "\n" excluded: 1 MiB. */
#define MLG_PREDCMD_MAX_LINE ((size_t)1 << 20)

enum mlg_predcmd_format {
	MLG_PREDCMD_CSV = 0,
	MLG_PREDCMD_JSONL,
};

struct mlg_predcmd_opts {
	const char *command; /* shell command line, run with /bin/sh -c */
	enum mlg_predcmd_format format;
	/* Longest time without progress (a byte written to the command or
	 * read from it, or its exit once its output ended), in seconds;
	 * <= 0: wait forever. */
	double timeout_s;
};

/*
 * Run the command on the rows of `d` (borrowed) and gather its
 * predictions in row order into `out` (new arrays; release with
 * mlg_infer_out_release(), also after a failure). On success out->n is
 * d->nrows and, as for mlg_infer_predict(), out->pred (number lines or
 * "pred") and/or out->proba with out->k >= 2 columns is set. With no
 * rows the command is not started and `out` is empty.
 *
 * Errors ('<cmd>' is o->command verbatim):
 *   MLG_EIO    predict command '<cmd>' exited with status 3
 *              predict command '<cmd>' was killed by signal 9
 *              predict command '<cmd>' did not answer within 30 s
 *              (%g of the timeout; the command is then killed)
 *              cannot start predict command '<cmd>': <errno text>
 *   MLG_EDATA  predict command '<cmd>' wrote 5 predictions for 6 rows
 *              predict command '<cmd>' wrote more than 6 predictions
 *                for 6 rows      (at the 7th line: an endless writer is
 *                                not waited for; a trailing empty line
 *                                counts)
 *              predict command '<cmd>': line 1: expected a number, a
 *                JSON array or a JSON object, not 'abc'
 *              predict command '<cmd>': line 4: expected a number as on
 *                line 1, not '[0.2, 0.8]'
 *                (or "a JSON array of 2 probabilities", "a JSON object
 *                with \"pred\" and \"proba\" (2 probabilities)", "a JSON
 *                object with \"pred\"", "a JSON object with \"proba\"
 *                (3 probabilities)", each "as on line 1")
 *              predict command '<cmd>': line 4 is longer than 1048576
 *                bytes
 * A bad or extra line stops the run at once and kills the command
 * (SIGKILL), as a timeout does. The
 * quoted text is the line cut to 40 bytes ("..." added), with control
 * bytes and invalid UTF-8 shown as '?'. A command that cannot be found
 * is reported by the shell on stderr and exits with status 127. The exit
 * status is checked before the count of lines, so a crash is reported as
 * such, not as missing predictions.
 *
 * The command runs in a process group of its own, so that a kill reaches
 * every process of it (sh does not always exec a simple command, and a
 * pipeline has several). As with timeout(1), it therefore does not get
 * the terminal's signals: when mlgate is interrupted, the command sees
 * the end of its input and EPIPE on its output, and a command that
 * neither reads nor writes keeps running.
 *
 * O(rows * features) time, mostly printf's %.17g (about 1 us a value:
 * 10 M rows of one feature through `tail -n +2` take some 17 s); memory
 * as above.
 */
int mlg_predcmd_run(struct mlg_infer_out *out, const struct mlg_predcmd_opts *o,
		    const struct mlg_infer_data *d);

/*
 * The predict function of a command for struct mlg_model (infer.h) and
 * struct mlg_behave_model: `opts` is a struct mlg_predcmd_opts. Command
 * mode end to end is then, as for an endpoint:
 *   mlg_infer_data_read_list(), mlg_infer_to_file() with this function.
 */
int mlg_predcmd_predict(struct mlg_infer_out *out,
			const struct mlg_infer_data *d, void *opts);

#endif
