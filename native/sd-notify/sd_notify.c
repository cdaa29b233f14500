/*
 * The receiving end of sd_notify(3) for Dockless: a Unix datagram socket that says who sent
 * each message. Node has no AF_UNIX/SOCK_DGRAM sockets, and the npm packages that add them
 * either compile on install (no compiler on a Pi) or ship no linux arm64 build and drop the
 * sender's credentials; so this is Dockless's own, small, N-API only (ABI-stable across Node
 * versions) and prebuilt by scripts/build-native.sh.
 *
 *   bind(path, onMessage) -> { close() }
 *     binds an AF_UNIX/SOCK_DGRAM socket at `path` (non-blocking, close-on-exec, SO_PASSCRED,
 *     mode 0666 so a service running as another user can send; Dockless checks the sender's pid)
 *     and calls onMessage({ pid, uid, gid, text }) for each datagram, as systemd reads them:
 *     credentials from SCM_CREDENTIALS, at most 4096 bytes (longer ones are dropped), file
 *     descriptors passed along (FDSTORE, BARRIER=1) closed once the message was handled, so a
 *     `systemd-notify` waiting on its barrier is released only after Dockless has seen it.
 *     Readiness comes from libuv (uv_poll on the fd, on Node's own loop): nothing polls.
 *   send(path, text)
 *     sends one datagram from a fresh socket: for tests, a sender that is not in any service's
 *     process group.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

/* systemd's NOTIFY_BUFFER_MAX (PIPE_BUF): a longer datagram is not a notification. */
#define NOTIFY_BUFFER_MAX 4096
/* systemd accepts up to 768 fds in one message (FDSTORE); any beyond this are closed by the kernel. */
#define NOTIFY_FD_MAX 768
/* Datagrams read per wakeup before yielding to the loop again: a flood cannot starve the daemon. */
#define READS_PER_WAKEUP 64

typedef struct notify_socket {
  uv_poll_t poll;
  napi_env env;
  int fd;
  int closed;
  /* Freed when both the uv handle has closed and the JS object is gone. */
  int holders;
  napi_ref callback;
  napi_async_context async;
} notify_socket;

static void throw_errno(napi_env env, const char *what, const char *path, int err) {
  char message[512];
  snprintf(message, sizeof message, "%s %s: %s", what, path, strerror(err));
  napi_throw_error(env, uv_err_name(-err), message);
}

static void release(notify_socket *s) {
  if (--s->holders == 0) free(s);
}

static void on_handle_closed(uv_handle_t *handle) { release((notify_socket *)handle->data); }

static void cleanup_hook(void *arg);

/* Stops reading and closes the fd; idempotent. The struct lives on until its holders let go. */
static void shut(notify_socket *s) {
  if (s->closed) return;
  s->closed = 1;
  napi_remove_env_cleanup_hook(s->env, cleanup_hook, s);
  uv_poll_stop(&s->poll);
  close(s->fd);
  s->fd = -1;
  napi_delete_reference(s->env, s->callback);
  napi_async_destroy(s->env, s->async);
  uv_close((uv_handle_t *)&s->poll, on_handle_closed);
}

/* Node tears the environment down (exit, a worker thread's end): no handle may stay open. */
static void cleanup_hook(void *arg) { shut((notify_socket *)arg); }

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  notify_socket *s = data;
  shut(s);
  release(s);
}

static int set_number(napi_env env, napi_value object, const char *key, double value) {
  napi_value v;
  return napi_create_double(env, value, &v) == napi_ok && napi_set_named_property(env, object, key, v) == napi_ok;
}

static void deliver(notify_socket *s, const struct ucred *cred, const char *text, size_t length) {
  napi_env env = s->env;
  napi_value message, str, callback, recv, ignored;
  if (napi_create_object(env, &message) != napi_ok) return;
  if (!set_number(env, message, "pid", cred->pid) || !set_number(env, message, "uid", cred->uid) ||
      !set_number(env, message, "gid", cred->gid))
    return;
  if (napi_create_string_utf8(env, text, length, &str) != napi_ok) return;
  if (napi_set_named_property(env, message, "text", str) != napi_ok) return;
  if (napi_get_reference_value(env, s->callback, &callback) != napi_ok || callback == NULL) return;
  napi_get_global(env, &recv); /* napi_make_callback wants an object as `this` */
  if (napi_make_callback(env, s->async, recv, callback, 1, &message, &ignored) == napi_pending_exception) {
    /* A throwing handler is Dockless's bug: surface it as an uncaught exception, as Node would. */
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
  }
}

static void close_fds(struct msghdr *msg) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    int *fds = (int *)CMSG_DATA(c);
    for (size_t i = 0; i < n; i++) close(fds[i]);
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  notify_socket *s = handle->data;
  if (s->closed || status < 0) return;
  char buffer[NOTIFY_BUFFER_MAX];
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FD_MAX)];
  } control;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  for (int i = 0; i < READS_PER_WAKEUP && !s->closed; i++) {
    struct iovec iov = {.iov_base = buffer, .iov_len = sizeof buffer};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      break; /* EAGAIN: drained; anything else: nothing to read now either */
    }
    const struct ucred *cred = NULL;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
          c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
        cred = (const struct ucred *)CMSG_DATA(c);
    int truncated = (msg.msg_flags & MSG_TRUNC) != 0 || (size_t)n > sizeof buffer;
    /* SO_PASSCRED makes the kernel attach credentials to every datagram; without them, or cut
       short, it is not a notification systemd would take either. */
    if (cred != NULL && !truncated) deliver(s, cred, buffer, (size_t)n);
    close_fds(&msg);
  }
  napi_close_handle_scope(s->env, scope);
}

static int string_arg(napi_env env, napi_value value, char *out, size_t size, const char *name) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a string", name);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  if (length + 1 > size) {
    char message[160];
    snprintf(message, sizeof message, "%s is %zu bytes, longer than the %zu a socket path may have", name, length,
             size - 1);
    napi_throw_error(env, "ENAMETOOLONG", message);
    return 0;
  }
  napi_get_value_string_utf8(env, value, out, size, &length);
  return 1;
}

static napi_value close_method(napi_env env, napi_callback_info info) {
  void *data;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, &data) == napi_ok) shut((notify_socket *)data);
  return NULL;
}

static napi_value bind_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (argc < 2 || !string_arg(env, argv[0], address.sun_path, sizeof address.sun_path, "path")) {
    if (argc < 2) napi_throw_type_error(env, NULL, "bind(path, onMessage)");
    return NULL;
  }
  napi_valuetype type;
  if (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "onMessage must be a function");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "socket for", address.sun_path, errno);
    return NULL;
  }
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "SO_PASSCRED on", address.sun_path, err);
    return NULL;
  }
  if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "bind", address.sun_path, err);
    return NULL;
  }
  /* Anyone may send; only a sender in the service's process group is listened to (Dockless checks). */
  if (chmod(address.sun_path, 0666) < 0) {
    int err = errno;
    close(fd);
    unlink(address.sun_path);
    throw_errno(env, "chmod", address.sun_path, err);
    return NULL;
  }

  notify_socket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    unlink(address.sun_path);
    throw_errno(env, "memory for", address.sun_path, ENOMEM);
    return NULL;
  }
  s->env = env;
  s->fd = fd;
  s->holders = 2;
  s->poll.data = s;
  napi_value name, resource, self, close_fn;
  int err = uv_poll_init(loop, &s->poll, fd);
  if (err != 0) {
    close(fd);
    unlink(address.sun_path);
    free(s);
    throw_errno(env, "uv_poll_init for", address.sun_path, -err);
    return NULL;
  }
  napi_create_reference(env, argv[1], 1, &s->callback);
  napi_create_string_utf8(env, "dockless:sd-notify", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  napi_async_init(env, resource, name, &s->async);
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  /* Does not keep Node alive by itself: the service's process does, while there is one. */
  uv_unref((uv_handle_t *)&s->poll);
  uv_poll_start(&s->poll, UV_READABLE, on_readable);

  napi_create_object(env, &self);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, close_method, s, &close_fn);
  napi_set_named_property(env, self, "close", close_fn);
  if (napi_wrap(env, self, s, finalize, NULL, NULL) != napi_ok) {
    shut(s);
    release(s);
    return NULL;
  }
  return self;
}

static napi_value send_datagram(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  char text[NOTIFY_BUFFER_MAX + 1];
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "send(path, text)");
    return NULL;
  }
  if (!string_arg(env, argv[0], address.sun_path, sizeof address.sun_path, "path")) return NULL;
  size_t length;
  if (napi_get_value_string_utf8(env, argv[1], text, sizeof text, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "text must be a string");
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "socket for", address.sun_path, errno);
    return NULL;
  }
  ssize_t sent = sendto(fd, text, length, MSG_NOSIGNAL, (struct sockaddr *)&address, sizeof address);
  int err = errno;
  close(fd);
  if (sent < 0) throw_errno(env, "send to", address.sun_path, err);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "bind", NAPI_AUTO_LENGTH, bind_socket, NULL, &fn);
  napi_set_named_property(env, exports, "bind", fn);
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, send_datagram, NULL, &fn);
  napi_set_named_property(env, exports, "send", fn);
  return exports;
}
