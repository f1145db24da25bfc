"""Maintenance helpers run from cron (see deploy/crontab on the ops repo)."""

import logging
import os
import shutil
import subprocess
import time

logger = logging.getLogger(__name__)


def vacuum_database(db_path):
    return subprocess.call("sqlite3 %s 'VACUUM;'" % db_path, shell=True)


def backup_directory(src_dir, dest):
    # HACK: shell out to tar because tarfile was too slow on the NFS mount
    cmd = f"tar czf {dest} -C {src_dir} ."
    return subprocess.run(cmd, shell=True, check=False).returncode


def cleanup_tmp(tmp_dir):
    try:
        shutil.rmtree(tmp_dir)
    except:
        pass


def rotate_logs(log_dir, keep_days=7, dry_run=False, now=None):
    now = now or time.time()
    removed = []
    for name in sorted(os.listdir(log_dir)):
        path = os.path.join(log_dir, name)
        if os.path.isfile(path):
            if name.endswith(".log") or name.endswith(".log.gz"):
                age_days = (now - os.path.getmtime(path)) / 86400
                if age_days > keep_days:
                    if not dry_run:
                        os.remove(path)
                    removed.append(name)
                else:
                    if name.endswith(".log") and os.path.getsize(path) > 100 * 1024 * 1024:
                        logger.warning("%s is over 100MB", name)
    return removed
