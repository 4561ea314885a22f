import ImageLs from './image/ls.js'

export default class Images extends ImageLs {
  static description = 'List images (same as image ls)'
  static examples = ['<%= config.bin %> images', '<%= config.bin %> images --format json']
}
