# A three-node MariaDB Galera cluster on loopback (Debian's galera-4), for the cluster test.
# Sourced after mariadb.sh.
#
#   galera_start DIR      three nodes in DIR/n1..n3 on free ports: n1 bootstraps, n2 and n3 join
#                         by rsync state transfer; DIR/ports holds "node mysql-port" lines
#   galera_port DIR N     node N's SQL port
#   galera_kill DIR N     kill -9 node N (no shutdown: what a crash is)
#   galera_stop DIR       stop every node still running
#
# The joiner's rsync daemon runs as root here (the nodes run as the invoking user, root in CI),
# and Debian's wsrep_sst_rsync leaves it to drop to "nobody", which cannot write the data dir:
# the state transfer uses a copy of that script that keeps the daemon's user, as the method
# "qmsrsync" (mariadbd puts its own directory first on the scripts' PATH, so a same-named copy
# would not be found).

galera_sst_script() {
  local bin=$1/bin
  mkdir -p "$bin"
  sed 's/^use chroot = no$/use chroot = no\nuid = root\ngid = root/' /usr/bin/wsrep_sst_rsync \
    >"$bin/wsrep_sst_qmsrsync"
  chmod +x "$bin/wsrep_sst_qmsrsync"
  ln -sf /usr/bin/wsrep_sst_common "$bin/wsrep_sst_common"
}

# A free port below Linux's ephemeral range (32768-60999), so that no outgoing connection takes
# it between the pick and the node's bind (the group and state-transfer ports bind late), and
# none picked before in this cluster.
galera_free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    grep -qx "$port" "$1/picked" 2>/dev/null && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port" >>"$1/picked"
      echo "$port"
      return 0
    fi
  done
}

galera_start() {
  local dir=$1 i gcomm=() cluster
  mkdir -p "$dir"
  galera_sst_script "$dir"
  : >"$dir/ports"
  : >"$dir/picked"
  for i in 1 2 3; do
    local sql group ist sst
    sql=$(galera_free_port "$dir"); group=$(galera_free_port "$dir")
    ist=$(galera_free_port "$dir"); sst=$(galera_free_port "$dir")
    echo "$i $sql $group $ist $sst" >>"$dir/ports"
    gcomm+=("127.0.0.1:$group")
  done
  cluster=$(IFS=,; echo "gcomm://${gcomm[*]}")
  while read -r i sql group ist sst; do
    local args=(--wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so
      --binlog-format=ROW --innodb-autoinc-lock-mode=2 --wsrep-cluster-name=qms
      --wsrep-sst-method=qmsrsync --wsrep-cluster-address="$cluster"
      --wsrep-node-name="n$i" --wsrep-node-address="127.0.0.1:$group"
      "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:$group;ist.recv_addr=127.0.0.1:$ist"
      --wsrep-sst-receive-address="127.0.0.1:$sst" --wsrep-slave-threads=4)
    [ "$i" = 1 ] && args+=(--wsrep-new-cluster)
    PATH="$dir/bin:$PATH" QMS_DB_START_TRIES=1800 mariadb_start "$dir/n$i" "$sql" "${args[@]}" \
      || return 1
  done <"$dir/ports"
  local size
  size=$(mariadb_sql "$dir/n3" <<<"SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2)
  [ "$size" = 3 ] || { echo "the cluster has $size nodes, not 3" >&2; return 1; }
}

galera_port() { awk -v n="$2" '$1 == n {print $2}' "$1/ports"; }

galera_kill() {
  local pid
  pid=$(cat "$1/n$2/mysqld.pid")
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

galera_stop() {
  local i
  for i in 3 2 1; do mariadb_stop "$1/n$i"; done
}
