"""scikit-learn's TF-IDF (word 1-2 + char_wb 2-5, sublinear) + logistic regression on the same items
as classifier-folds.bench.ts: the chain's fixed dev split and the 5 folds of its training data that
the bench wrote to bench/ml/out/folds/. Reports accuracy and how much it answers at >= 97% precision
(threshold on its top probability chosen on one half of the held-out items, measured on the other,
both ways round), as the TypeScript bench does. Not part of CI (needs python3-sklearn):

    apt-get install python3-sklearn
    node --conditions=@catena/source bench/ml/classifier-folds.bench.ts
    /usr/bin/python3 bench/ml/sklearn-folds.py [C]
"""
import json
import os
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

here = os.path.join(os.path.dirname(__file__), "out", "folds")
TARGET = 0.97
C = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0


def read(name):
    with open(os.path.join(here, name + ".jsonl")) as f:
        rows = [json.loads(line) for line in f]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def threshold_for(items):
    best, right = float("inf"), 0
    for i, (confidence, ok) in enumerate(sorted(items, key=lambda x: -x[0])):
        right += ok
        if right / (i + 1) >= TARGET:
            best = confidence
    return best


def cross_coverage(items):
    halves = [items[0::2], items[1::2]]
    accepted = right = 0
    for choose, measure in ((halves[0], halves[1]), (halves[1], halves[0])):
        t = threshold_for(choose)
        for confidence, ok in measure:
            if confidence >= t:
                accepted += 1
                right += ok
    return accepted / len(items), right / accepted if accepted else 1.0


def score(train_name, test_name):
    tx, ty = read(train_name)
    hx, hy = read(test_name)
    model = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(C=C, max_iter=2000),
    )
    c0 = time.process_time()
    model.fit(tx, ty)
    cpu = time.process_time() - c0
    proba = model.predict_proba(hx)
    predicted = model.classes_[proba.argmax(1)]
    items = [(p.max(), pl == y) for p, pl, y in zip(proba, predicted, hy)]
    accuracy = sum(ok for _, ok in items) / len(items)
    coverage, precision = cross_coverage(items)
    return accuracy, coverage, precision, cpu


a, c, p, cpu = score("train", "dev")
print(f"sklearn LR C={C}: dev accuracy {100 * a:.2f}%, covers {100 * c:.1f}% at {100 * p:.2f}%, {cpu:.1f} s CPU", flush=True)
folds = [score(f"fold{k}-train", f"fold{k}-test") for k in range(5)]
for k, f in enumerate(folds):
    print(f"  fold {k}: accuracy {100 * f[0]:.2f}%, covers {100 * f[1]:.1f}% at {100 * f[2]:.2f}%", flush=True)
mean = [sum(f[i] for f in folds) / len(folds) for i in range(4)]
print(f"sklearn LR C={C}: 5-fold accuracy {100 * mean[0]:.2f}%, covers {100 * mean[1]:.1f}% at {100 * mean[2]:.2f}%, {mean[3]:.1f} s CPU per fit")
