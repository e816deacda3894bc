/* The one place where the JSON documents petrel reads and writes are described.
 * Each object is a list of fields, one line a field:
 *   F(T, KIND, c_name, "jsonName", subtype, flags)
 * Adding a spec field is adding one line here; the C struct member, the
 * parser, the serializer and the destructor all follow from it.
 * KIND is one of STRING BOOL INT64 UINT64 INT32 UINT32 UINT16 DOUBLE OBJECT
 * OBJECT_ARRAY OBJECT_MAP STRING_ARRAY UINT32_ARRAY UINT64_ARRAY STRING_MAP
 * UINT64_MAP; subtype names the nested object type for OBJECT* kinds and is
 * `_` otherwise. */
#ifndef OCISPEC_SPEC_FIELDS_H
#define OCISPEC_SPEC_FIELDS_H

#define OCI_REQUIRED 1u

/* GNU C predefines `linux` as 1; the spec model uses it as a name, and
 * portable code tests __linux__ instead. */
#undef linux

/* ---------------------------------------------------------------- config.json */

#define OCI_FIELDS_spec(F, T)                                                                      \
	F(T, STRING, oci_version, "ociVersion", _, OCI_REQUIRED)                                   \
	F(T, OBJECT, process, "process", process, 0)                                               \
	F(T, OBJECT, root, "root", root, 0)                                                        \
	F(T, STRING, hostname, "hostname", _, 0)                                                   \
	F(T, STRING, domainname, "domainname", _, 0)                                               \
	F(T, OBJECT_ARRAY, mounts, "mounts", mount, 0)                                             \
	F(T, OBJECT, hooks, "hooks", hooks, 0)                                                     \
	F(T, STRING_MAP, annotations, "annotations", _, 0)                                         \
	F(T, OBJECT, linux, "linux", linux, 0)

#define OCI_FIELDS_root(F, T)                                                                      \
	F(T, STRING, path, "path", _, OCI_REQUIRED)                                                \
	F(T, BOOL, readonly, "readonly", _, 0)

#define OCI_FIELDS_mount(F, T)                                                                     \
	F(T, STRING, destination, "destination", _, OCI_REQUIRED)                                  \
	F(T, STRING, type, "type", _, 0)                                                           \
	F(T, STRING, source, "source", _, 0)                                                       \
	F(T, STRING_ARRAY, options, "options", _, 0)                                               \
	F(T, OBJECT_ARRAY, uid_mappings, "uidMappings", id_mapping, 0)                             \
	F(T, OBJECT_ARRAY, gid_mappings, "gidMappings", id_mapping, 0)

#define OCI_FIELDS_id_mapping(F, T)                                                                \
	F(T, UINT32, container_id, "containerID", _, OCI_REQUIRED)                                 \
	F(T, UINT32, host_id, "hostID", _, OCI_REQUIRED)                                           \
	F(T, UINT32, size, "size", _, OCI_REQUIRED)

/* process is also the whole document `exec --process` reads. */
#define OCI_FIELDS_process(F, T)                                                                   \
	F(T, BOOL, terminal, "terminal", _, 0)                                                     \
	F(T, OBJECT, console_size, "consoleSize", box, 0)                                          \
	F(T, OBJECT, user, "user", user, 0)                                                        \
	F(T, STRING_ARRAY, args, "args", _, 0)                                                     \
	F(T, STRING, command_line, "commandLine", _, 0)                                            \
	F(T, STRING_ARRAY, env, "env", _, 0)                                                       \
	F(T, STRING, cwd, "cwd", _, OCI_REQUIRED)                                                  \
	F(T, OBJECT, capabilities, "capabilities", capabilities, 0)                                \
	F(T, OBJECT_ARRAY, rlimits, "rlimits", rlimit, 0)                                          \
	F(T, BOOL, no_new_privileges, "noNewPrivileges", _, 0)                                     \
	F(T, STRING, apparmor_profile, "apparmorProfile", _, 0)                                    \
	F(T, INT32, oom_score_adj, "oomScoreAdj", _, 0)                                            \
	F(T, OBJECT, scheduler, "scheduler", scheduler, 0)                                         \
	F(T, STRING, selinux_label, "selinuxLabel", _, 0)                                          \
	F(T, OBJECT, io_priority, "ioPriority", io_priority, 0)                                    \
	F(T, OBJECT, exec_cpu_affinity, "execCPUAffinity", cpu_affinity, 0)

#define OCI_FIELDS_box(F, T)                                                                       \
	F(T, UINT32, height, "height", _, OCI_REQUIRED)                                            \
	F(T, UINT32, width, "width", _, OCI_REQUIRED)

#define OCI_FIELDS_user(F, T)                                                                      \
	F(T, UINT32, uid, "uid", _, 0)                                                             \
	F(T, UINT32, gid, "gid", _, 0)                                                             \
	F(T, UINT32, umask, "umask", _, 0)                                                         \
	F(T, UINT32_ARRAY, additional_gids, "additionalGids", _, 0)                                \
	F(T, STRING, username, "username", _, 0)

#define OCI_FIELDS_capabilities(F, T)                                                              \
	F(T, STRING_ARRAY, bounding, "bounding", _, 0)                                             \
	F(T, STRING_ARRAY, effective, "effective", _, 0)                                           \
	F(T, STRING_ARRAY, inheritable, "inheritable", _, 0)                                       \
	F(T, STRING_ARRAY, permitted, "permitted", _, 0)                                           \
	F(T, STRING_ARRAY, ambient, "ambient", _, 0)

#define OCI_FIELDS_rlimit(F, T)                                                                    \
	F(T, STRING, type, "type", _, OCI_REQUIRED)                                                \
	F(T, UINT64, hard, "hard", _, OCI_REQUIRED)                                                \
	F(T, UINT64, soft, "soft", _, OCI_REQUIRED)

#define OCI_FIELDS_scheduler(F, T)                                                                 \
	F(T, STRING, policy, "policy", _, OCI_REQUIRED)                                            \
	F(T, INT32, nice, "nice", _, 0)                                                            \
	F(T, INT32, priority, "priority", _, 0)                                                    \
	F(T, STRING_ARRAY, flags, "flags", _, 0)                                                   \
	F(T, UINT64, runtime, "runtime", _, 0)                                                     \
	F(T, UINT64, deadline, "deadline", _, 0)                                                   \
	F(T, UINT64, period, "period", _, 0)

#define OCI_FIELDS_io_priority(F, T)                                                               \
	F(T, STRING, class, "class", _, OCI_REQUIRED)                                              \
	F(T, INT32, priority, "priority", _, 0)

#define OCI_FIELDS_cpu_affinity(F, T)                                                              \
	F(T, STRING, initial, "initial", _, 0)                                                     \
	F(T, STRING, final, "final", _, 0)

#define OCI_FIELDS_hooks(F, T)                                                                     \
	F(T, OBJECT_ARRAY, prestart, "prestart", hook, 0)                                          \
	F(T, OBJECT_ARRAY, create_runtime, "createRuntime", hook, 0)                               \
	F(T, OBJECT_ARRAY, create_container, "createContainer", hook, 0)                           \
	F(T, OBJECT_ARRAY, start_container, "startContainer", hook, 0)                             \
	F(T, OBJECT_ARRAY, poststart, "poststart", hook, 0)                                        \
	F(T, OBJECT_ARRAY, poststop, "poststop", hook, 0)

#define OCI_FIELDS_hook(F, T)                                                                      \
	F(T, STRING, path, "path", _, OCI_REQUIRED)                                                \
	F(T, STRING_ARRAY, args, "args", _, 0)                                                     \
	F(T, STRING_ARRAY, env, "env", _, 0)                                                       \
	F(T, INT64, timeout, "timeout", _, 0)

#define OCI_FIELDS_linux(F, T)                                                                     \
	F(T, OBJECT_ARRAY, uid_mappings, "uidMappings", id_mapping, 0)                             \
	F(T, OBJECT_ARRAY, gid_mappings, "gidMappings", id_mapping, 0)                             \
	F(T, STRING_MAP, sysctl, "sysctl", _, 0)                                                   \
	F(T, OBJECT, resources, "resources", resources, 0)                                         \
	F(T, STRING, cgroups_path, "cgroupsPath", _, 0)                                            \
	F(T, OBJECT_ARRAY, namespaces, "namespaces", namespace, 0)                                 \
	F(T, OBJECT_ARRAY, devices, "devices", device, 0)                                          \
	F(T, OBJECT_MAP, net_devices, "netDevices", net_device, 0)                                 \
	F(T, OBJECT, seccomp, "seccomp", seccomp, 0)                                               \
	F(T, STRING, rootfs_propagation, "rootfsPropagation", _, 0)                                \
	F(T, STRING_ARRAY, masked_paths, "maskedPaths", _, 0)                                      \
	F(T, STRING_ARRAY, readonly_paths, "readonlyPaths", _, 0)                                  \
	F(T, STRING, mount_label, "mountLabel", _, 0)                                              \
	F(T, OBJECT, intel_rdt, "intelRdt", intel_rdt, 0)                                          \
	F(T, OBJECT, memory_policy, "memoryPolicy", memory_policy, 0)                              \
	F(T, OBJECT, personality, "personality", personality, 0)                                   \
	F(T, OBJECT_MAP, time_offsets, "timeOffsets", time_offset, 0)

#define OCI_FIELDS_namespace(F, T)                                                                 \
	F(T, STRING, type, "type", _, OCI_REQUIRED)                                                \
	F(T, STRING, path, "path", _, 0)

#define OCI_FIELDS_device(F, T)                                                                    \
	F(T, STRING, path, "path", _, OCI_REQUIRED)                                                \
	F(T, STRING, type, "type", _, OCI_REQUIRED)                                                \
	F(T, INT64, major, "major", _, 0)                                                          \
	F(T, INT64, minor, "minor", _, 0)                                                          \
	F(T, UINT32, file_mode, "fileMode", _, 0)                                                  \
	F(T, UINT32, uid, "uid", _, 0)                                                             \
	F(T, UINT32, gid, "gid", _, 0)

#define OCI_FIELDS_net_device(F, T) F(T, STRING, name, "name", _, 0)

#define OCI_FIELDS_time_offset(F, T)                                                               \
	F(T, INT64, secs, "secs", _, 0)                                                            \
	F(T, UINT32, nanosecs, "nanosecs", _, 0)

#define OCI_FIELDS_personality(F, T)                                                               \
	F(T, STRING, domain, "domain", _, OCI_REQUIRED)                                            \
	F(T, STRING_ARRAY, flags, "flags", _, 0)

#define OCI_FIELDS_intel_rdt(F, T)                                                                 \
	F(T, STRING, clos_id, "closID", _, 0)                                                      \
	F(T, STRING_ARRAY, schemata, "schemata", _, 0)                                             \
	F(T, STRING, l3_cache_schema, "l3CacheSchema", _, 0)                                       \
	F(T, STRING, mem_bw_schema, "memBwSchema", _, 0)                                           \
	F(T, BOOL, enable_monitoring, "enableMonitoring", _, 0)                                    \
	F(T, BOOL, enable_cmt, "enableCMT", _, 0)                                                  \
	F(T, BOOL, enable_mbm, "enableMBM", _, 0)

#define OCI_FIELDS_memory_policy(F, T)                                                             \
	F(T, STRING, mode, "mode", _, OCI_REQUIRED)                                                \
	F(T, STRING, nodes, "nodes", _, 0)                                                         \
	F(T, STRING_ARRAY, flags, "flags", _, 0)

#define OCI_FIELDS_resources(F, T)                                                                 \
	F(T, OBJECT_ARRAY, devices, "devices", device_cgroup, 0)                                   \
	F(T, OBJECT, memory, "memory", memory, 0)                                                  \
	F(T, OBJECT, cpu, "cpu", cpu, 0)                                                           \
	F(T, OBJECT, pids, "pids", pids, 0)                                                        \
	F(T, OBJECT, block_io, "blockIO", block_io, 0)                                             \
	F(T, OBJECT_ARRAY, hugepage_limits, "hugepageLimits", hugepage_limit, 0)                   \
	F(T, OBJECT, network, "network", network, 0)                                               \
	F(T, OBJECT_MAP, rdma, "rdma", rdma, 0)                                                    \
	F(T, STRING_MAP, unified, "unified", _, 0)

#define OCI_FIELDS_device_cgroup(F, T)                                                             \
	F(T, BOOL, allow, "allow", _, OCI_REQUIRED)                                                \
	F(T, STRING, type, "type", _, 0)                                                           \
	F(T, INT64, major, "major", _, 0)                                                          \
	F(T, INT64, minor, "minor", _, 0)                                                          \
	F(T, STRING, access, "access", _, 0)

#define OCI_FIELDS_memory(F, T)                                                                    \
	F(T, INT64, limit, "limit", _, 0)                                                          \
	F(T, INT64, reservation, "reservation", _, 0)                                              \
	F(T, INT64, swap, "swap", _, 0)                                                            \
	F(T, INT64, kernel, "kernel", _, 0)                                                        \
	F(T, INT64, kernel_tcp, "kernelTCP", _, 0)                                                 \
	F(T, UINT64, swappiness, "swappiness", _, 0)                                               \
	F(T, BOOL, disable_oom_killer, "disableOOMKiller", _, 0)                                   \
	F(T, BOOL, use_hierarchy, "useHierarchy", _, 0)                                            \
	F(T, BOOL, check_before_update, "checkBeforeUpdate", _, 0)

#define OCI_FIELDS_cpu(F, T)                                                                       \
	F(T, UINT64, shares, "shares", _, 0)                                                       \
	F(T, INT64, quota, "quota", _, 0)                                                          \
	F(T, UINT64, burst, "burst", _, 0)                                                         \
	F(T, UINT64, period, "period", _, 0)                                                       \
	F(T, INT64, realtime_runtime, "realtimeRuntime", _, 0)                                     \
	F(T, UINT64, realtime_period, "realtimePeriod", _, 0)                                      \
	F(T, STRING, cpus, "cpus", _, 0)                                                           \
	F(T, STRING, mems, "mems", _, 0)                                                           \
	F(T, INT64, idle, "idle", _, 0)

#define OCI_FIELDS_pids(F, T) F(T, INT64, limit, "limit", _, 0)

#define OCI_FIELDS_block_io(F, T)                                                                  \
	F(T, UINT16, weight, "weight", _, 0)                                                       \
	F(T, UINT16, leaf_weight, "leafWeight", _, 0)                                              \
	F(T, OBJECT_ARRAY, weight_device, "weightDevice", weight_device, 0)                        \
	F(T, OBJECT_ARRAY, throttle_read_bps_device, "throttleReadBpsDevice", throttle_device, 0)  \
	F(T, OBJECT_ARRAY, throttle_write_bps_device, "throttleWriteBpsDevice", throttle_device,   \
	  0)                                                                                       \
	F(T, OBJECT_ARRAY, throttle_read_iops_device, "throttleReadIOPSDevice", throttle_device,   \
	  0)                                                                                       \
	F(T, OBJECT_ARRAY, throttle_write_iops_device, "throttleWriteIOPSDevice", throttle_device, \
	  0)

#define OCI_FIELDS_weight_device(F, T)                                                             \
	F(T, INT64, major, "major", _, OCI_REQUIRED)                                               \
	F(T, INT64, minor, "minor", _, OCI_REQUIRED)                                               \
	F(T, UINT16, weight, "weight", _, 0)                                                       \
	F(T, UINT16, leaf_weight, "leafWeight", _, 0)

#define OCI_FIELDS_throttle_device(F, T)                                                           \
	F(T, INT64, major, "major", _, OCI_REQUIRED)                                               \
	F(T, INT64, minor, "minor", _, OCI_REQUIRED)                                               \
	F(T, UINT64, rate, "rate", _, OCI_REQUIRED)

#define OCI_FIELDS_hugepage_limit(F, T)                                                            \
	F(T, STRING, page_size, "pageSize", _, OCI_REQUIRED)                                       \
	F(T, UINT64, limit, "limit", _, OCI_REQUIRED)

#define OCI_FIELDS_network(F, T)                                                                   \
	F(T, UINT32, class_id, "classID", _, 0)                                                    \
	F(T, OBJECT_ARRAY, priorities, "priorities", interface_priority, 0)

#define OCI_FIELDS_interface_priority(F, T)                                                        \
	F(T, STRING, name, "name", _, OCI_REQUIRED)                                                \
	F(T, UINT32, priority, "priority", _, OCI_REQUIRED)

#define OCI_FIELDS_rdma(F, T)                                                                      \
	F(T, UINT32, hca_handles, "hcaHandles", _, 0)                                              \
	F(T, UINT32, hca_objects, "hcaObjects", _, 0)

#define OCI_FIELDS_seccomp(F, T)                                                                   \
	F(T, STRING, default_action, "defaultAction", _, OCI_REQUIRED)                             \
	F(T, UINT32, default_errno_ret, "defaultErrnoRet", _, 0)                                   \
	F(T, STRING_ARRAY, architectures, "architectures", _, 0)                                   \
	F(T, STRING_ARRAY, flags, "flags", _, 0)                                                   \
	F(T, STRING, listener_path, "listenerPath", _, 0)                                          \
	F(T, STRING, listener_metadata, "listenerMetadata", _, 0)                                  \
	F(T, OBJECT_ARRAY, syscalls, "syscalls", syscall, 0)

#define OCI_FIELDS_syscall(F, T)                                                                   \
	F(T, STRING_ARRAY, names, "names", _, OCI_REQUIRED)                                        \
	F(T, STRING, action, "action", _, OCI_REQUIRED)                                            \
	F(T, UINT32, errno_ret, "errnoRet", _, 0)                                                  \
	F(T, OBJECT_ARRAY, args, "args", seccomp_arg, 0)

#define OCI_FIELDS_seccomp_arg(F, T)                                                               \
	F(T, UINT32, index, "index", _, OCI_REQUIRED)                                              \
	F(T, UINT64, value, "value", _, OCI_REQUIRED)                                              \
	F(T, UINT64, value_two, "valueTwo", _, 0)                                                  \
	F(T, STRING, op, "op", _, OCI_REQUIRED)

/* ----------------------------------------------------------------- state.json */

/* What `state` prints: the spec's fields plus those runc adds that engines
 * read (rootfs, created, owner). */
#define OCI_FIELDS_state(F, T)                                                                     \
	F(T, STRING, oci_version, "ociVersion", _, OCI_REQUIRED)                                   \
	F(T, STRING, id, "id", _, OCI_REQUIRED)                                                    \
	F(T, INT32, pid, "pid", _, 0)                                                              \
	F(T, STRING, status, "status", _, OCI_REQUIRED)                                            \
	F(T, STRING, bundle, "bundle", _, OCI_REQUIRED)                                            \
	F(T, STRING, rootfs, "rootfs", _, 0)                                                       \
	F(T, STRING, created, "created", _, 0)                                                     \
	F(T, STRING, owner, "owner", _, 0)                                                         \
	F(T, STRING_MAP, annotations, "annotations", _, 0)

/* What a seccomp listener receives over listenerPath with the notify fd. */
#define OCI_FIELDS_container_process_state(F, T)                                                   \
	F(T, STRING, oci_version, "ociVersion", _, OCI_REQUIRED)                                   \
	F(T, STRING_ARRAY, fds, "fds", _, OCI_REQUIRED)                                            \
	F(T, INT32, pid, "pid", _, OCI_REQUIRED)                                                   \
	F(T, STRING, metadata, "metadata", _, 0)                                                   \
	F(T, OBJECT, state, "state", state, OCI_REQUIRED)

/* petrel's own record of a container, <root>/<id>/state.json. */
#define OCI_FIELDS_petrel_state(F, T)                                                              \
	F(T, STRING, id, "id", _, OCI_REQUIRED)                                                    \
	F(T, STRING, oci_version, "ociVersion", _, 0)                                              \
	F(T, INT32, init_pid, "initPid", _, OCI_REQUIRED)                                          \
	F(T, UINT64, init_start_time, "initStartTime", _, OCI_REQUIRED)                            \
	F(T, STRING, bundle, "bundle", _, OCI_REQUIRED)                                            \
	F(T, STRING, rootfs, "rootfs", _, 0)                                                       \
	F(T, STRING, created, "created", _, OCI_REQUIRED)                                          \
	F(T, UINT32, owner_uid, "ownerUid", _, 0)                                                  \
	F(T, STRING_MAP, annotations, "annotations", _, 0)                                         \
	F(T, OBJECT, hooks, "hooks", hooks, 0)                                                     \
	F(T, OBJECT, process, "process", process, 0)                                               \
	F(T, BOOL, no_pivot, "noPivot", _, 0)                                                      \
	F(T, OBJECT, cgroup, "cgroup", petrel_cgroup_state, 0)

/* Where a container's cgroup is: the driver that made it and, per
 * hierarchy, the directory and the first directory of its path that petrel
 * created (removed on delete, down to it). */
#define OCI_FIELDS_petrel_cgroup_state(F, T)                                                       \
	F(T, STRING, driver, "driver", _, OCI_REQUIRED)                                            \
	F(T, STRING, unit, "unit", _, 0)                                                           \
	F(T, OBJECT_ARRAY, dirs, "dirs", petrel_cgroup_dir, 0)

#define OCI_FIELDS_petrel_cgroup_dir(F, T)                                                         \
	F(T, STRING, controllers, "controllers", _, OCI_REQUIRED)                                  \
	F(T, STRING, path, "path", _, OCI_REQUIRED)                                                \
	F(T, STRING, created_from, "createdFrom", _, 0)

/* One line of `--log-format json`, as runc writes it (logrus field order). */
#define OCI_FIELDS_log_entry(F, T)                                                                 \
	F(T, STRING, level, "level", _, OCI_REQUIRED)                                              \
	F(T, STRING, msg, "msg", _, OCI_REQUIRED)                                                  \
	F(T, STRING, time, "time", _, OCI_REQUIRED)

/* -------------------------------------------------------------- features.json */

#define OCI_FIELDS_features(F, T)                                                                  \
	F(T, STRING, oci_version_min, "ociVersionMin", _, 0)                                       \
	F(T, STRING, oci_version_max, "ociVersionMax", _, 0)                                       \
	F(T, STRING_ARRAY, hooks, "hooks", _, 0)                                                   \
	F(T, STRING_ARRAY, mount_options, "mountOptions", _, 0)                                    \
	F(T, OBJECT, linux, "linux", features_linux, 0)                                            \
	F(T, STRING_MAP, annotations, "annotations", _, 0)                                         \
	F(T, STRING_ARRAY, potentially_unsafe_config_annotations,                                  \
	  "potentiallyUnsafeConfigAnnotations", _, 0)

#define OCI_FIELDS_features_linux(F, T)                                                            \
	F(T, STRING_ARRAY, namespaces, "namespaces", _, 0)                                         \
	F(T, STRING_ARRAY, capabilities, "capabilities", _, 0)                                     \
	F(T, OBJECT, cgroup, "cgroup", features_cgroup, 0)                                         \
	F(T, OBJECT, seccomp, "seccomp", features_seccomp, 0)                                      \
	F(T, OBJECT, apparmor, "apparmor", features_enabled, 0)                                    \
	F(T, OBJECT, selinux, "selinux", features_enabled, 0)                                      \
	F(T, OBJECT, intel_rdt, "intelRdt", features_intel_rdt, 0)                                 \
	F(T, OBJECT, memory_policy, "memoryPolicy", features_memory_policy, 0)                     \
	F(T, OBJECT, mount_extensions, "mountExtensions", features_mount_extensions, 0)            \
	F(T, OBJECT, net_devices, "netDevices", features_enabled, 0)

#define OCI_FIELDS_features_cgroup(F, T)                                                           \
	F(T, BOOL, v1, "v1", _, 0)                                                                 \
	F(T, BOOL, v2, "v2", _, 0)                                                                 \
	F(T, BOOL, systemd, "systemd", _, 0)                                                       \
	F(T, BOOL, systemd_user, "systemdUser", _, 0)                                              \
	F(T, BOOL, rdma, "rdma", _, 0)

#define OCI_FIELDS_features_seccomp(F, T)                                                          \
	F(T, BOOL, enabled, "enabled", _, 0)                                                       \
	F(T, STRING_ARRAY, actions, "actions", _, 0)                                               \
	F(T, STRING_ARRAY, operators, "operators", _, 0)                                           \
	F(T, STRING_ARRAY, archs, "archs", _, 0)                                                   \
	F(T, STRING_ARRAY, known_flags, "knownFlags", _, 0)                                        \
	F(T, STRING_ARRAY, supported_flags, "supportedFlags", _, 0)

#define OCI_FIELDS_features_enabled(F, T) F(T, BOOL, enabled, "enabled", _, 0)

#define OCI_FIELDS_features_intel_rdt(F, T)                                                        \
	F(T, BOOL, enabled, "enabled", _, 0)                                                       \
	F(T, BOOL, schemata, "schemata", _, 0)                                                     \
	F(T, BOOL, monitoring, "monitoring", _, 0)

#define OCI_FIELDS_features_memory_policy(F, T)                                                    \
	F(T, STRING_ARRAY, modes, "modes", _, 0)                                                   \
	F(T, STRING_ARRAY, flags, "flags", _, 0)

#define OCI_FIELDS_features_mount_extensions(F, T) F(T, OBJECT, idmap, "idmap", features_enabled, 0)

/* ------------------------------------------------------------ petrel events */

/* One line of `events`, as runc prints it (its types/events.go). runc omits
 * many zero values (omitempty, omitzero): the code that fills these leaves
 * has_<name> false, or an object NULL, where runc would leave it out. */
#define OCI_FIELDS_event(F, T)                                                                     \
	F(T, STRING, type, "type", _, OCI_REQUIRED)                                                \
	F(T, STRING, id, "id", _, OCI_REQUIRED)                                                    \
	F(T, OBJECT, data, "data", event_stats, 0)

#define OCI_FIELDS_event_stats(F, T)                                                               \
	F(T, OBJECT, cpu, "cpu", event_cpu, 0)                                                     \
	F(T, OBJECT, cpuset, "cpuset", event_cpuset, 0)                                            \
	F(T, OBJECT, memory, "memory", event_memory, 0)                                            \
	F(T, OBJECT, pids, "pids", event_pids, 0)                                                  \
	F(T, OBJECT, blkio, "blkio", event_blkio, 0)                                               \
	F(T, OBJECT_MAP, hugetlb, "hugetlb", event_hugetlb, 0)                                     \
	F(T, OBJECT, intel_rdt, "intel_rdt", event_intel_rdt, 0)                                   \
	F(T, OBJECT_ARRAY, network_interfaces, "network_interfaces", event_network_interface, 0)

#define OCI_FIELDS_event_cpu(F, T)                                                                 \
	F(T, OBJECT, usage, "usage", event_cpu_usage, 0)                                           \
	F(T, OBJECT, throttling, "throttling", event_throttling, 0)                                \
	F(T, OBJECT, psi, "psi", event_psi_stats, 0)

/* Nanoseconds. */
#define OCI_FIELDS_event_cpu_usage(F, T)                                                           \
	F(T, UINT64, total, "total", _, 0)                                                         \
	F(T, UINT64_ARRAY, percpu, "percpu", _, 0)                                                 \
	F(T, UINT64_ARRAY, percpu_kernel, "percpu_kernel", _, 0)                                   \
	F(T, UINT64_ARRAY, percpu_user, "percpu_user", _, 0)                                       \
	F(T, UINT64, kernel, "kernel", _, 0)                                                       \
	F(T, UINT64, user, "user", _, 0)

#define OCI_FIELDS_event_throttling(F, T)                                                          \
	F(T, UINT64, periods, "periods", _, 0)                                                     \
	F(T, UINT64, throttled_periods, "throttledPeriods", _, 0)                                  \
	F(T, UINT64, throttled_time, "throttledTime", _, 0)

/* Pressure stall information (cgroup v2 <controller>.pressure). */
#define OCI_FIELDS_event_psi_stats(F, T)                                                           \
	F(T, OBJECT, some, "some", event_psi_data, 0)                                              \
	F(T, OBJECT, full, "full", event_psi_data, 0)

#define OCI_FIELDS_event_psi_data(F, T)                                                            \
	F(T, DOUBLE, avg10, "avg10", _, 0)                                                         \
	F(T, DOUBLE, avg60, "avg60", _, 0)                                                         \
	F(T, DOUBLE, avg300, "avg300", _, 0)                                                       \
	F(T, UINT64, total, "total", _, 0)

#define OCI_FIELDS_event_cpuset(F, T)                                                              \
	F(T, UINT32_ARRAY, cpus, "cpus", _, 0)                                                     \
	F(T, UINT64, cpu_exclusive, "cpu_exclusive", _, 0)                                         \
	F(T, UINT32_ARRAY, mems, "mems", _, 0)                                                     \
	F(T, UINT64, mem_hardwall, "mem_hardwall", _, 0)                                           \
	F(T, UINT64, mem_exclusive, "mem_exclusive", _, 0)                                         \
	F(T, UINT64, memory_migrate, "memory_migrate", _, 0)                                       \
	F(T, UINT64, memory_spread_page, "memory_spread_page", _, 0)                               \
	F(T, UINT64, memory_spread_slab, "memory_spread_slab", _, 0)                               \
	F(T, UINT64, memory_pressure, "memory_pressure", _, 0)                                     \
	F(T, UINT64, sched_load_balance, "sched_load_balance", _, 0)                               \
	F(T, INT64, sched_relax_domain_level, "sched_relax_domain_level", _, 0)

/* Bytes; raw is memory.stat as it is. */
#define OCI_FIELDS_event_memory(F, T)                                                              \
	F(T, UINT64, cache, "cache", _, 0)                                                         \
	F(T, OBJECT, usage, "usage", event_memory_entry, 0)                                        \
	F(T, OBJECT, swap, "swap", event_memory_entry, 0)                                          \
	F(T, OBJECT, kernel, "kernel", event_memory_entry, 0)                                      \
	F(T, OBJECT, kernel_tcp, "kernelTCP", event_memory_entry, 0)                               \
	F(T, UINT64_MAP, raw, "raw", _, 0)                                                         \
	F(T, OBJECT, psi, "psi", event_psi_stats, 0)

#define OCI_FIELDS_event_memory_entry(F, T)                                                        \
	F(T, UINT64, limit, "limit", _, 0)                                                         \
	F(T, UINT64, usage, "usage", _, 0)                                                         \
	F(T, UINT64, max, "max", _, 0)                                                             \
	F(T, UINT64, failcnt, "failcnt", _, 0)

#define OCI_FIELDS_event_pids(F, T)                                                                \
	F(T, UINT64, current, "current", _, 0)                                                     \
	F(T, UINT64, limit, "limit", _, 0)

#define OCI_FIELDS_event_blkio(F, T)                                                               \
	F(T, OBJECT_ARRAY, io_service_bytes_recursive, "ioServiceBytesRecursive",                  \
	  event_blkio_entry, 0)                                                                    \
	F(T, OBJECT_ARRAY, io_serviced_recursive, "ioServicedRecursive", event_blkio_entry, 0)     \
	F(T, OBJECT_ARRAY, io_queue_recursive, "ioQueueRecursive", event_blkio_entry, 0)           \
	F(T, OBJECT_ARRAY, io_service_time_recursive, "ioServiceTimeRecursive", event_blkio_entry, \
	  0)                                                                                       \
	F(T, OBJECT_ARRAY, io_wait_time_recursive, "ioWaitTimeRecursive", event_blkio_entry, 0)    \
	F(T, OBJECT_ARRAY, io_merged_recursive, "ioMergedRecursive", event_blkio_entry, 0)         \
	F(T, OBJECT_ARRAY, io_time_recursive, "ioTimeRecursive", event_blkio_entry, 0)             \
	F(T, OBJECT_ARRAY, sectors_recursive, "sectorsRecursive", event_blkio_entry, 0)            \
	F(T, OBJECT, psi, "psi", event_psi_stats, 0)

#define OCI_FIELDS_event_blkio_entry(F, T)                                                         \
	F(T, UINT64, major, "major", _, 0)                                                         \
	F(T, UINT64, minor, "minor", _, 0)                                                         \
	F(T, STRING, op, "op", _, 0)                                                               \
	F(T, UINT64, value, "value", _, 0)

/* One page size ("2MB"); bytes. */
#define OCI_FIELDS_event_hugetlb(F, T)                                                             \
	F(T, UINT64, usage, "usage", _, 0)                                                         \
	F(T, UINT64, max, "max", _, 0)                                                             \
	F(T, UINT64, failcnt, "failcnt", _, 0)

/* runc's Intel RDT statistics; petrel fills none (an empty object, as runc
 * prints for a container without RDT). */
#define OCI_FIELDS_event_intel_rdt(F, T)                                                           \
	F(T, STRING, l3_cache_schema_root, "l3_cache_schema_root", _, 0)                           \
	F(T, STRING, l3_cache_schema, "l3_cache_schema", _, 0)                                     \
	F(T, STRING, mem_bw_schema_root, "mem_bw_schema_root", _, 0)                               \
	F(T, STRING, mem_bw_schema, "mem_bw_schema", _, 0)                                         \
	F(T, STRING_ARRAY, schemata, "schemata", _, 0)

/* runc names these members as Go does, without json tags. */
#define OCI_FIELDS_event_network_interface(F, T)                                                   \
	F(T, STRING, name, "Name", _, 0)                                                           \
	F(T, UINT64, rx_bytes, "RxBytes", _, 0)                                                    \
	F(T, UINT64, rx_packets, "RxPackets", _, 0)                                                \
	F(T, UINT64, rx_errors, "RxErrors", _, 0)                                                  \
	F(T, UINT64, rx_dropped, "RxDropped", _, 0)                                                \
	F(T, UINT64, tx_bytes, "TxBytes", _, 0)                                                    \
	F(T, UINT64, tx_packets, "TxPackets", _, 0)                                                \
	F(T, UINT64, tx_errors, "TxErrors", _, 0)                                                  \
	F(T, UINT64, tx_dropped, "TxDropped", _, 0)

/* Every object type above, so declarations and tables are generated for all. */
#define OCI_ALL_TYPES(X)                                                                           \
	X(spec)                                                                                    \
	X(root)                                                                                    \
	X(mount)                                                                                   \
	X(id_mapping)                                                                              \
	X(process)                                                                                 \
	X(box)                                                                                     \
	X(user)                                                                                    \
	X(capabilities)                                                                            \
	X(rlimit)                                                                                  \
	X(scheduler)                                                                               \
	X(io_priority)                                                                             \
	X(cpu_affinity)                                                                            \
	X(hooks)                                                                                   \
	X(hook)                                                                                    \
	X(linux)                                                                                   \
	X(namespace)                                                                               \
	X(device)                                                                                  \
	X(net_device)                                                                              \
	X(time_offset)                                                                             \
	X(personality)                                                                             \
	X(intel_rdt)                                                                               \
	X(memory_policy)                                                                           \
	X(resources)                                                                               \
	X(device_cgroup)                                                                           \
	X(memory)                                                                                  \
	X(cpu)                                                                                     \
	X(pids)                                                                                    \
	X(block_io)                                                                                \
	X(weight_device)                                                                           \
	X(throttle_device)                                                                         \
	X(hugepage_limit)                                                                          \
	X(network)                                                                                 \
	X(interface_priority)                                                                      \
	X(rdma)                                                                                    \
	X(seccomp)                                                                                 \
	X(syscall)                                                                                 \
	X(seccomp_arg)                                                                             \
	X(state)                                                                                   \
	X(container_process_state)                                                                 \
	X(log_entry)                                                                               \
	X(petrel_state)                                                                            \
	X(petrel_cgroup_state)                                                                     \
	X(petrel_cgroup_dir)                                                                       \
	X(features)                                                                                \
	X(features_linux)                                                                          \
	X(features_cgroup)                                                                         \
	X(features_seccomp)                                                                        \
	X(features_enabled)                                                                        \
	X(features_intel_rdt)                                                                      \
	X(features_memory_policy)                                                                  \
	X(features_mount_extensions)                                                               \
	X(event)                                                                                   \
	X(event_stats)                                                                             \
	X(event_cpu)                                                                               \
	X(event_cpu_usage)                                                                         \
	X(event_throttling)                                                                        \
	X(event_psi_stats)                                                                         \
	X(event_psi_data)                                                                          \
	X(event_cpuset)                                                                            \
	X(event_memory)                                                                            \
	X(event_memory_entry)                                                                      \
	X(event_pids)                                                                              \
	X(event_blkio)                                                                             \
	X(event_blkio_entry)                                                                       \
	X(event_hugetlb)                                                                           \
	X(event_intel_rdt)                                                                         \
	X(event_network_interface)

#endif
