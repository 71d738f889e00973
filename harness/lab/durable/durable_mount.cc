// The durability-tracking filesystem's FUSE operations and its serving thread; see durable_mount.h.
// The operations follow libfuse's passthrough_ll example: each inode holds an O_PATH descriptor of
// its backing file, so renames never invalidate it; every name change and every write is told to
// the journal before (data) or after (names) it is made.
#define FUSE_USE_VERSION 35
#include "lab/durable/durable_mount.h"

#include <dirent.h>
#include <fcntl.h>
#include <fuse3/fuse_lowlevel.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <vector>

namespace firedrill {
namespace {

constexpr double cache_seconds = 1.0;  // every change goes through us, so the kernel may cache

// The files the harness itself puts on a volume (disk.full's `.firedrill-ballast` and
// `.firedrill-probe`) are not the system's: made, written and removed for real, never journaled,
// so that a disk.full on a power.loss node frees its space at once and a cut does not end it.
bool harness_name(const char* name) {
  return std::strncmp(name, ".firedrill-", 11) == 0;
}

std::string proc_fd(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

struct Inode {
  int fd = -1;  // O_PATH
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t lookups = 0;
  bool harness = false;  // found by a harness_name(): never journaled
};

// An open file: its backing descriptor, whether each write is durable on return, and whether
// the journal sees it at all.
struct Handle {
  int fd = -1;
  bool sync_writes = false;
  bool journaled = true;
};

// A directory opened for reading: its entries, read once at opendir.
struct Listing {
  std::vector<std::pair<std::string, struct stat>> entries;
};

// Whether the directory `name` of `dir` holds nothing (an unreadable one counts as not empty).
bool empty_directory(int dir, const char* name) {
  const int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* entries = sub < 0 ? nullptr : fdopendir(sub);
  if (entries == nullptr) {
    if (sub >= 0) close(sub);
    return false;
  }
  bool empty = true;
  while (dirent* e = readdir(entries)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  }
  closedir(entries);
  return empty;
}

}  // namespace

struct DurableMount::Impl {
  std::string mount_point;
  int data_dir = -1;
  int trash_dir = -1;
  DurabilityJournal* journal = nullptr;
  std::mutex* lock = nullptr;
  bool write_back = false;

  Inode root;
  std::map<std::pair<dev_t, ino_t>, Inode*> inodes;
  std::set<Handle*> handles;
  std::set<Listing*> listings;

  fuse_session* session = nullptr;
  int device = -1;
  int stop_event = -1;
  std::thread server;
  std::promise<void> served;
  std::shared_future<void> served_future;
  bool stopped = false;

  ~Impl() {
    for (auto& [key, inode] : inodes) {
      close(inode->fd);
      delete inode;
    }
    for (Handle* h : handles) {
      close(h->fd);
      delete h;
    }
    for (Listing* l : listings) delete l;
    if (root.fd >= 0) close(root.fd);
    if (stop_event >= 0) close(stop_event);
  }

  Inode& inode(fuse_ino_t ino) { return ino == FUSE_ROOT_ID ? root : *reinterpret_cast<Inode*>(ino); }

  // Looks `name` up in `parent` and counts one kernel reference to it.
  int lookup(fuse_ino_t parent, const char* name, fuse_entry_param* e) {
    std::memset(e, 0, sizeof *e);
    e->attr_timeout = e->entry_timeout = cache_seconds;
    const int fd = openat(inode(parent).fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno;
    if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      const int error = errno;
      close(fd);
      return error;
    }
    auto& slot = inodes[{e->attr.st_dev, e->attr.st_ino}];
    if (slot != nullptr) {
      close(fd);
    } else {
      slot = new Inode{fd, e->attr.st_dev, e->attr.st_ino, 0, harness_name(name)};
    }
    slot->lookups += 1;
    e->ino = reinterpret_cast<fuse_ino_t>(slot);
    return 0;
  }

  void forget(fuse_ino_t ino, uint64_t n) {
    if (ino == FUSE_ROOT_ID) return;
    Inode* node = &inode(ino);
    node->lookups -= std::min(n, node->lookups);
    if (node->lookups > 0) return;
    inodes.erase({node->dev, node->ino});
    close(node->fd);
    delete node;
  }

  // Opens the backing file for a handle: O_APPEND and O_DIRECT are the kernel's business (it
  // sends each write at its offset), O_TRUNC is done here so that the journal sees it first.
  // O_SYNC / O_DSYNC are remembered: such a handle's writes are durable.
  int open_handle(const Inode& inode, int flags, fuse_file_info* fi) {
    const int fd = inode.fd;
    int backing_flags = (flags & ~(O_APPEND | O_DIRECT | O_TRUNC | O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC;
    // With the kernel's write-back cache it reads pages to fill partial writes, even through a
    // write-only descriptor (as libfuse's passthrough_ll).
    if ((backing_flags & O_ACCMODE) == O_WRONLY) backing_flags = (backing_flags & ~O_ACCMODE) | O_RDWR;
    const int file = open(proc_fd(fd).c_str(), backing_flags);
    if (file < 0) return errno;
    if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
      std::lock_guard<std::mutex> guard(*lock);
      Status s = inode.harness ? Status::ok() : journal->before_resize(file, 0);
      if (!s || ftruncate(file, 0) != 0) {
        close(file);
        return s ? errno : EIO;
      }
    }
    auto* handle = new Handle{file, (flags & (O_SYNC | O_DSYNC)) != 0, !inode.harness};
    handles.insert(handle);
    fi->fh = reinterpret_cast<uint64_t>(handle);
    return 0;
  }

  // Reply to a call that made the entry `name` in `parent`.
  void reply_made(fuse_req_t req, fuse_ino_t parent, const char* name, const char* what) {
    if (!harness_name(name)) {
      std::lock_guard<std::mutex> guard(*lock);
      journal->made(what, inode(parent).fd, name);
    }
    fuse_entry_param e;
    if (int error = lookup(parent, name, &e); error != 0) return (void)fuse_reply_err(req, error);
    fuse_reply_entry(req, &e);
  }

  // Moves `name` of `parent` to the trash instead of deleting it (the journal may put it back).
  int remove(fuse_ino_t parent, const char* name, bool directory) {
    const int dir = inode(parent).fd;
    struct stat st {};
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    if (directory != S_ISDIR(st.st_mode)) return directory ? ENOTDIR : EISDIR;
    if (directory && !empty_directory(dir, name)) return ENOTEMPTY;
    if (harness_name(name)) return unlinkat(dir, name, directory ? AT_REMOVEDIR : 0) == 0 ? 0 : errno;
    std::lock_guard<std::mutex> guard(*lock);
    const std::string trash = journal->trash_name();
    if (renameat(dir, name, trash_dir, trash.c_str()) != 0) return errno;
    journal->removed(directory ? "rmdir" : "unlink", dir, name, trash);
    return 0;
  }

  int rename(fuse_ino_t parent, const char* name, fuse_ino_t new_parent, const char* new_name, unsigned flags) {
    const int from = inode(parent).fd, to = inode(new_parent).fd;
    std::lock_guard<std::mutex> guard(*lock);
    if (flags & RENAME_EXCHANGE) {
      if (renameat2(from, name, to, new_name, RENAME_EXCHANGE) != 0) return errno;
      journal->exchanged(from, name, to, new_name);
      return 0;
    }
    if (renameat2(from, name, to, new_name, RENAME_NOREPLACE) == 0) {
      journal->renamed(from, name, to, new_name, "");
      return 0;
    }
    if (errno != EEXIST || (flags & RENAME_NOREPLACE)) return errno;
    // The target exists: the checks rename(2) makes, then the target waits in the trash.
    struct stat source {}, target {};
    if (fstatat(from, name, &source, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    if (fstatat(to, new_name, &target, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    if (source.st_dev == target.st_dev && source.st_ino == target.st_ino) return 0;
    if (S_ISDIR(source.st_mode) && !S_ISDIR(target.st_mode)) return ENOTDIR;
    if (!S_ISDIR(source.st_mode) && S_ISDIR(target.st_mode)) return EISDIR;
    if (S_ISDIR(target.st_mode) && !empty_directory(to, new_name)) return ENOTEMPTY;
    // The target (a file or an empty directory) waits in the trash: the undo puts it back.
    const std::string trash = journal->trash_name();
    if (renameat(to, new_name, trash_dir, trash.c_str()) != 0) return errno;
    if (renameat(from, name, to, new_name) != 0) {
      const int error = errno;
      renameat(trash_dir, trash.c_str(), to, new_name);
      return error;
    }
    journal->renamed(from, name, to, new_name, trash);
    return 0;
  }

  void serve() {
    fuse_buf buf{};
    while (!fuse_session_exited(session)) {
      pollfd fds[2] = {{device, POLLIN, 0}, {stop_event, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 && errno == EINTR) continue;
      if (fds[1].revents != 0) break;
      const int received = fuse_session_receive_buf(session, &buf);
      if (received == -EINTR || received == -EAGAIN) continue;
      if (received <= 0) break;  // -ENODEV: unmounted and no longer used
      fuse_session_process_buf(session, &buf);
    }
    free(buf.mem);
    served.set_value();
  }
};

namespace {

DurableMount::Impl& fs(fuse_req_t req) {
  return *static_cast<DurableMount::Impl*>(fuse_req_userdata(req));
}

Handle& handle(fuse_file_info* fi) {
  return *reinterpret_cast<Handle*>(fi->fh);
}

void reply_attr(fuse_req_t req, int fd) {
  struct stat st {};
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_attr(req, &st, cache_seconds);
}

// Write-back or write-through (durable_mount.h).
void op_init(void* userdata, fuse_conn_info* conn) {
  const bool write_back = static_cast<DurableMount::Impl*>(userdata)->write_back;
  if (write_back && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) {
    conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  } else {
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  }
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_entry_param e;
  if (int error = fs(req).lookup(parent, name, &e); error != 0) return (void)fuse_reply_err(req, error);
  fuse_reply_entry(req, &e);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  fs(req).forget(ino, n);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) fs(req).forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  reply_attr(req, fs(req).inode(ino).fd);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int set, fuse_file_info* fi) {
  auto& self = fs(req);
  const int fd = self.inode(ino).fd;
  const std::string path = proc_fd(fd);
  if ((set & FUSE_SET_ATTR_MODE) && chmod(path.c_str(), attr->st_mode) != 0) return (void)fuse_reply_err(req, errno);
  if (set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    const uid_t uid = (set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
    const gid_t gid = (set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
    if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return (void)fuse_reply_err(req, errno);
  }
  if (set & FUSE_SET_ATTR_SIZE) {
    const int file = fi ? handle(fi).fd : open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (file < 0) return (void)fuse_reply_err(req, errno);
    int error = 0;
    {
      std::lock_guard<std::mutex> guard(*self.lock);
      if (!self.inode(ino).harness && !self.journal->before_resize(file, attr->st_size)) error = EIO;
    }
    if (error == 0 && ftruncate(file, attr->st_size) != 0) error = errno;
    if (!fi) close(file);
    if (error != 0) return (void)fuse_reply_err(req, error);
  }
  if (set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
    timespec times[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    if (set & FUSE_SET_ATTR_ATIME_NOW) times[0].tv_nsec = UTIME_NOW;
    else if (set & FUSE_SET_ATTR_ATIME) times[0] = attr->st_atim;
    if (set & FUSE_SET_ATTR_MTIME_NOW) times[1].tv_nsec = UTIME_NOW;
    else if (set & FUSE_SET_ATTR_MTIME) times[1] = attr->st_mtim;
    const int result = fi ? futimens(handle(fi).fd, times) : utimensat(AT_FDCWD, path.c_str(), times, 0);
    if (result != 0) return (void)fuse_reply_err(req, errno);
  }
  reply_attr(req, fd);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  char target[PATH_MAX + 1];
  const ssize_t n = readlinkat(fs(req).inode(ino).fd, "", target, PATH_MAX);
  if (n < 0) return (void)fuse_reply_err(req, errno);
  target[n] = '\0';
  fuse_reply_readlink(req, target);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  if (mknodat(fs(req).inode(parent).fd, name, mode, rdev) != 0) return (void)fuse_reply_err(req, errno);
  fs(req).reply_made(req, parent, name, "mknod");
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  if (mkdirat(fs(req).inode(parent).fd, name, mode) != 0) return (void)fuse_reply_err(req, errno);
  fs(req).reply_made(req, parent, name, "mkdir");
}

void op_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  if (symlinkat(link, fs(req).inode(parent).fd, name) != 0) return (void)fuse_reply_err(req, errno);
  fs(req).reply_made(req, parent, name, "symlink");
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent, const char* name) {
  const std::string source = proc_fd(fs(req).inode(ino).fd);
  if (linkat(AT_FDCWD, source.c_str(), fs(req).inode(parent).fd, name, AT_SYMLINK_FOLLOW) != 0) {
    return (void)fuse_reply_err(req, errno);
  }
  fs(req).reply_made(req, parent, name, "link");
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_reply_err(req, fs(req).remove(parent, name, false));
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_reply_err(req, fs(req).remove(parent, name, true));
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent, const char* new_name,
               unsigned int flags) {
  fuse_reply_err(req, fs(req).rename(parent, name, new_parent, new_name, flags));
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (int error = fs(req).open_handle(fs(req).inode(ino), fi->flags, fi); error != 0) {
    return (void)fuse_reply_err(req, error);
  }
  fuse_reply_open(req, fi);
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  auto& self = fs(req);
  const int dir = self.inode(parent).fd;
  struct stat before {};
  const bool existed = fstatat(dir, name, &before, AT_SYMLINK_NOFOLLOW) == 0;
  const int made = openat(dir, name, (fi->flags & (O_EXCL | O_NOFOLLOW)) | O_CREAT | O_RDONLY | O_CLOEXEC, mode);
  if (made < 0) return (void)fuse_reply_err(req, errno);
  close(made);
  if (!existed && !harness_name(name)) {
    std::lock_guard<std::mutex> guard(*self.lock);
    self.journal->made("create", dir, name);
  }
  fuse_entry_param e;
  if (int error = self.lookup(parent, name, &e); error != 0) return (void)fuse_reply_err(req, error);
  if (int error = self.open_handle(*reinterpret_cast<Inode*>(e.ino), fi->flags, fi); error != 0) {
    self.forget(e.ino, 1);
    return (void)fuse_reply_err(req, error);
  }
  fuse_reply_create(req, &e, fi);
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
  fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = handle(fi).fd;
  buf.buf[0].pos = offset;
  fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

void op_write(fuse_req_t req, fuse_ino_t, const char* data, size_t size, off_t offset, fuse_file_info* fi) {
  auto& self = fs(req);
  Handle& h = handle(fi);
  std::lock_guard<std::mutex> guard(*self.lock);
  if (h.journaled && !self.journal->before_write(h.fd, offset, size)) return (void)fuse_reply_err(req, EIO);
  const ssize_t written = pwrite(h.fd, data, size, offset);
  if (written < 0) return (void)fuse_reply_err(req, errno);
  if (h.journaled) self.journal->after_write(h.fd, offset, static_cast<size_t>(written));
  // An O_SYNC/O_DSYNC handle's own write is durable; not a page the kernel writes back through
  // it for another descriptor (it sends FSYNC itself for the synced ones).
  if (h.journaled && h.sync_writes && !fi->writepage) self.journal->file_synced(h.fd);
  fuse_reply_write(req, static_cast<size_t>(written));
}

void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info*) {
  fuse_reply_err(req, 0);
}

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Handle* h = &handle(fi);
  fs(req).handles.erase(h);
  close(h->fd);
  delete h;
  fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) {
  std::lock_guard<std::mutex> guard(*fs(req).lock);
  if (handle(fi).journaled) fs(req).journal->file_synced(handle(fi).fd);
  fuse_reply_err(req, 0);
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  const int dir = openat(fs(req).inode(ino).fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* entries = dir < 0 ? nullptr : fdopendir(dir);
  if (entries == nullptr) return (void)fuse_reply_err(req, errno);
  auto* listing = new Listing();
  while (dirent* e = readdir(entries)) {
    struct stat st {};
    st.st_ino = e->d_ino;
    st.st_mode = static_cast<mode_t>(e->d_type) << 12;
    listing->entries.emplace_back(e->d_name, st);
  }
  closedir(entries);
  fs(req).listings.insert(listing);
  fi->fh = reinterpret_cast<uint64_t>(listing);
  fuse_reply_open(req, fi);
}

void op_readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
  const auto& entries = reinterpret_cast<Listing*>(fi->fh)->entries;
  std::vector<char> buf(size);
  size_t used = 0;
  for (size_t i = static_cast<size_t>(offset); i < entries.size(); ++i) {
    const size_t need = fuse_add_direntry(req, buf.data() + used, size - used, entries[i].first.c_str(),
                                          &entries[i].second, static_cast<off_t>(i + 1));
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* listing = reinterpret_cast<Listing*>(fi->fh);
  fs(req).listings.erase(listing);
  delete listing;
  fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int, fuse_file_info*) {
  std::lock_guard<std::mutex> guard(*fs(req).lock);
  fs(req).journal->directory_synced(fs(req).inode(ino).fd);
  fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  struct statvfs st {};
  if (fstatvfs(fs(req).data_dir, &st) != 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_statfs(req, &st);
}

void op_fallocate(fuse_req_t req, fuse_ino_t, int mode, off_t offset, off_t length, fuse_file_info* fi) {
  if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) return (void)fuse_reply_err(req, EOPNOTSUPP);
  auto& self = fs(req);
  const int fd = handle(fi).fd;
  struct stat st {};
  const bool grows = !(mode & FALLOC_FL_KEEP_SIZE) && fstat(fd, &st) == 0 && offset + length > st.st_size;
  if (grows && handle(fi).journaled) {
    std::lock_guard<std::mutex> guard(*self.lock);
    if (!self.journal->before_resize(fd, offset + length)) return (void)fuse_reply_err(req, EIO);
  }
  fuse_reply_err(req, fallocate(fd, mode, offset, length) == 0 ? 0 : errno);
}

fuse_lowlevel_ops operations() {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.readlink = op_readlink;
  ops.mknod = op_mknod;
  ops.mkdir = op_mkdir;
  ops.symlink = op_symlink;
  ops.link = op_link;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.rename = op_rename;
  ops.open = op_open;
  ops.create = op_create;
  ops.read = op_read;
  ops.write = op_write;
  ops.flush = op_flush;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.releasedir = op_releasedir;
  ops.fsyncdir = op_fsyncdir;
  ops.statfs = op_statfs;
  ops.fallocate = op_fallocate;
  return ops;
}

std::string mount_refusal(int error) {
  std::string why = std::strerror(error);
  if (error == EPERM) {
    why += " (this kernel does not allow FUSE mounts here: run firedrill as root, or on a kernel that allows "
           "FUSE in a user namespace, 4.18 or later)";
  }
  return why;
}

}  // namespace

DurableMount::DurableMount(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DurableMount::~DurableMount() {
  stop(std::chrono::milliseconds(1000));
}

Result<std::unique_ptr<DurableMount>> DurableMount::start(const std::string& mount_point, int data_dir,
                                                          int trash_dir, DurabilityJournal& journal,
                                                          std::mutex& lock, bool write_back) {
  auto impl = std::make_unique<Impl>();
  impl->mount_point = mount_point;
  impl->data_dir = data_dir;
  impl->trash_dir = trash_dir;
  impl->journal = &journal;
  impl->lock = &lock;
  impl->write_back = write_back;
  const std::string context = "durable volume " + mount_point + ": ";
  impl->root.fd = open(proc_fd(data_dir).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (impl->root.fd < 0) return Status::error(context + "open the backing directory: " + std::strerror(errno));
  impl->device = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (impl->device < 0) {
    const int error = errno;
    std::string hint;
    if (error == ENOENT) hint = " (load the fuse module: modprobe fuse; in a container, give it --device /dev/fuse)";
    if (error == EACCES) {
      hint = " (an ordinary user needs read and write access to /dev/fuse, mode 0666 as Debian's udev rule "
             "sets it; or run firedrill as root)";
    }
    return Status::error(context + "open /dev/fuse: " + std::strerror(error) + hint);
  }
  const std::string options = "fd=" + std::to_string(impl->device) + ",rootmode=40000,user_id=" +
                              std::to_string(getuid()) + ",group_id=" + std::to_string(getgid()) +
                              ",allow_other,default_permissions";
  if (mount("firedrill", mount_point.c_str(), "fuse.firedrill", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    const int error = errno;
    close(impl->device);
    return Status::error(context + "mount(fuse): " + mount_refusal(error));
  }
  char program[] = "firedrill-durable-volume";
  char* argv[] = {program, nullptr};
  fuse_args args = FUSE_ARGS_INIT(1, argv);
  const fuse_lowlevel_ops ops = operations();
  impl->session = fuse_session_new(&args, &ops, sizeof ops, impl.get());
  const std::string device_path = "/dev/fd/" + std::to_string(impl->device);
  if (impl->session == nullptr || fuse_session_mount(impl->session, device_path.c_str()) != 0) {
    umount2(mount_point.c_str(), MNT_DETACH);
    if (impl->session != nullptr) fuse_session_destroy(impl->session);
    close(impl->device);
    return Status::error(context + "libfuse could not take the mounted device");
  }
  impl->stop_event = eventfd(0, EFD_CLOEXEC);
  impl->served_future = impl->served.get_future().share();
  Impl* raw = impl.get();
  impl->server = std::thread([raw] { raw->serve(); });
  return std::unique_ptr<DurableMount>(new DurableMount(std::move(impl)));
}

bool DurableMount::stop(std::chrono::milliseconds grace) {
  Impl& m = *impl_;
  if (m.stopped) return true;
  m.stopped = true;
  umount2(m.mount_point.c_str(), MNT_DETACH);
  const bool ended = m.served_future.wait_for(grace) == std::future_status::ready;
  if (!ended) {
    const uint64_t one = 1;
    (void)!write(m.stop_event, &one, sizeof one);
  }
  m.server.join();
  // Closes /dev/fuse: a connection still in use is aborted (its users get ENOTCONN).
  fuse_session_destroy(m.session);
  return ended;
}

}  // namespace firedrill
